// Shell completion scripts for bash, zsh and fish, generated from the command line's
// definitions (help-model.ts): static scripts, so a TAB never starts node.
import { allCommands, type CommandModel, type OptionModel, type ValueKind } from './help-model';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

function header(program: string, shell: Shell): string {
  return `${shell === 'zsh' ? `#compdef ${program}\n` : ''}# ${shell} completion for ${program}, generated from its command definitions by \`${program} completion ${shell}\`.\n`;
}

function optionNames(o: OptionModel): string[] {
  return [o.short, o.long].filter((n): n is string => n !== undefined);
}

function key(cmd: CommandModel): string {
  return cmd.path.slice(1).join(' ');
}

// ---- bash

function bashValue(kind: ValueKind): string {
  switch (kind.kind) {
    case 'file': return 'COMPREPLY=($(compgen -f -- "$cur"))';
    case 'dir': return 'COMPREPLY=($(compgen -d -- "$cur"))';
    case 'words': return `COMPREPLY=($(compgen -W "${kind.words.join(' ')}" -- "$cur"))`;
    case 'text': return 'COMPREPLY=()';
  }
}

function bash(root: CommandModel): string {
  const fn = `_${root.name.replace(/-/g, '_')}`;
  const commands = allCommands(root);
  const transitions = commands.flatMap((c) => c.commands.map((sub) => `"${key(c)}:${sub.name}"`));
  const valueOptions = commands.flatMap((c) => c.options.filter((o) => o.value).flatMap((o) => optionNames(o).map((n) => ({ c, n, kind: o.value!.kind }))));
  return [
    header(root.name, 'bash'),
    `${fn}() {`,
    '  local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}" path="" i w',
    '  # the command path so far: the words that name a command (an option\'s value never does)',
    '  for ((i = 1; i < COMP_CWORD; i++)); do',
    '    w="${COMP_WORDS[i]}"',
    `    case "$path:$w" in ${transitions.length > 0 ? `${transitions.join('|')}) path="\${path:+$path }$w" ;;` : ''} esac`,
    '  done',
    '  case "$path|$prev" in',
    ...valueOptions.map((v) => `    "${key(v.c)}|${v.n}") ${bashValue(v.kind)}; return ;;`),
    '  esac',
    '  local words="" opts="" positional=""',
    '  case "$path" in',
    ...commands.map((c) => {
      const opts = c.options.flatMap(optionNames).join(' ');
      const subs = c.commands.map((s) => s.name).join(' ');
      const first = c.arguments[0];
      return `    "${key(c)}") words="${subs}"; opts="${opts}"; positional='${first ? bashValue(first.kind) : 'COMPREPLY=()'}' ;;`;
    }),
    '  esac',
    '  if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W "$opts" -- "$cur")); return; fi',
    '  if [ -n "$words" ]; then COMPREPLY=($(compgen -W "$words" -- "$cur")); return; fi',
    '  eval "$positional"',
    '}',
    `complete -o filenames -F ${fn} ${root.name}`,
    '',
  ].join('\n');
}

// ---- zsh

/** Text inside a single-quoted _arguments spec: [ ] : and \ escaped for _arguments, then ' for the shell. */
function zshQuote(text: string): string {
  return zshSingle(text.replace(/([[\]:\\])/g, '\\$1'));
}

function zshSingle(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/'/g, `'\\''`);
}

function zshAction(kind: ValueKind): string {
  switch (kind.kind) {
    case 'file': return '_files';
    case 'dir': return '_files -/';
    case 'words': return `(${kind.words.join(' ')})`;
    case 'text': return ' ';
  }
}

function zshOption(o: OptionModel): string[] {
  const desc = zshQuote(o.description);
  const value = o.value ? `:${zshQuote(o.value.name)}:${zshAction(o.value.kind)}` : '';
  const names = optionNames(o);
  if (names.length === 2) {
    const exclusive = o.repeatable ? '*' : `(${names.join(' ')})`;
    return [`'${exclusive}'{${names.join(',')}}'[${desc}]${value}'`];
  }
  return [`'${o.repeatable ? '*' : ''}${names[0]}[${desc}]${value}'`];
}

function zshFunctionName(c: CommandModel): string {
  return `_${c.path.join('_').replace(/-/g, '_')}`;
}

function zshFunction(c: CommandModel): string {
  const specs = c.options.flatMap(zshOption);
  if (c.commands.length === 0) {
    c.arguments.forEach((a, i) => specs.push(`'${i + 1}:${zshQuote(a.name)}:${zshAction(a.kind)}'`));
    return [`${zshFunctionName(c)}() {`, `  _arguments -s \\`, ...specs.map((s, i) => `    ${s}${i < specs.length - 1 ? ' \\' : ''}`), '}', ''].join('\n');
  }
  return [
    `${zshFunctionName(c)}() {`,
    '  local curcontext="$curcontext" state line',
    '  typeset -A opt_args',
    `  _arguments -C \\`,
    ...specs.map((s) => `    ${s} \\`),
    `    '1:command:->command' \\`,
    `    '*::argument:->argument'`,
    '  case $state in',
    '    command)',
    '      local -a commands',
    `      commands=(${c.commands.map((s) => `'${s.name}:${zshSingle(s.description)}'`).join(' ')})`,
    `      _describe -t commands '${c.path.join(' ')} command' commands ;;`,
    '    argument)',
    '      case $line[1] in',
    ...c.commands.map((s) => `        ${s.name}) ${zshFunctionName(s)} ;;`),
    '      esac ;;',
    '  esac',
    '}',
    '',
  ].join('\n');
}

function zsh(root: CommandModel): string {
  return [header(root.name, 'zsh'), ...allCommands(root).map(zshFunction), `${zshFunctionName(root)} "$@"`, ''].join('\n');
}

// ---- fish

function fishQuote(text: string): string {
  return `'${text.replace(/\s+/g, ' ').replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function fishCondition(c: CommandModel): string {
  const [top, ...rest] = c.path.slice(1);
  if (top === undefined) return '__fish_use_subcommand';
  const seen = [`__fish_seen_subcommand_from ${top}`, ...rest.map((r) => `__fish_seen_subcommand_from ${r}`)];
  return seen.join('; and ');
}

function fishValue(kind: ValueKind | undefined): string {
  if (!kind) return '';
  switch (kind.kind) {
    case 'file': return ' -r -F';
    case 'dir': return ` -r -f -a '(__fish_complete_directories)'`;
    case 'words': return ` -r -f -a ${fishQuote(kind.words.join(' '))}`;
    case 'text': return ' -r -f';
  }
}

function fish(root: CommandModel): string {
  const lines = [header(root.name, 'fish'), `complete -c ${root.name} -f`];
  for (const c of allCommands(root)) {
    // a command's own words are offered until one of its subcommands is given
    const subs = c.commands.map((s) => s.name).join(' ');
    const here = c.path.length === 1 ? '__fish_use_subcommand' : `${fishCondition(c)}${subs ? `; and not __fish_seen_subcommand_from ${subs}` : ''}`;
    for (const s of c.commands) lines.push(`complete -c ${root.name} -n ${fishQuote(here)} -a ${s.name} -d ${fishQuote(s.description)}`);
    const optionCondition = ` -n ${fishQuote(fishCondition(c))}`;
    for (const o of c.options) {
      const names = [o.short ? ` -s ${o.short.slice(1)}` : '', o.long ? ` -l ${o.long.slice(2)}` : ''].join('');
      lines.push(`complete -c ${root.name}${optionCondition}${names}${fishValue(o.value?.kind)} -d ${fishQuote(o.description)}`);
    }
    const first = c.arguments[0];
    if (first && c.path.length > 1) {
      const kind = first.kind;
      const action = kind.kind === 'file' ? ' -F' : kind.kind === 'dir' ? ` -a '(__fish_complete_directories)'` : kind.kind === 'words' ? ` -a ${fishQuote(kind.words.join(' '))}` : '';
      if (action) lines.push(`complete -c ${root.name} -n ${fishQuote(fishCondition(c))}${action}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export function completionScript(root: CommandModel, shell: Shell): string {
  return shell === 'bash' ? bash(root) : shell === 'zsh' ? zsh(root) : fish(root);
}
