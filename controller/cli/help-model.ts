// A command line as data, read from commander's own definitions (the ones --help prints):
// the shell completions (`lvsctl completion`) and the man pages (built by
// scripts/man/) are generated from it, so they cannot drift from --help.
import type { Command } from 'commander';

/** What a value is, for completion: a file, a directory, one of some words, or free text. */
export type ValueKind = { kind: 'file' } | { kind: 'dir' } | { kind: 'words'; words: string[] } | { kind: 'text' };

export interface OptionModel {
  flags: string;
  long?: string;
  short?: string;
  description: string;
  /** undefined for a switch */
  value?: { name: string; kind: ValueKind; optional: boolean };
  repeatable: boolean;
  defaultValue?: string;
  env?: string;
}

export interface ArgumentModel {
  name: string;
  description: string;
  required: boolean;
  kind: ValueKind;
}

export interface CommandModel {
  name: string;
  /** "lvsctl certs issue" */
  path: string[];
  description: string;
  usage: string;
  arguments: ArgumentModel[];
  options: OptionModel[];
  /** the text --help prints after the options (notes, signals, exit codes) */
  after: string;
  commands: CommandModel[];
}

function kindOf(name: string, choices: readonly string[] | undefined): ValueKind {
  if (choices && choices.length > 0) return { kind: 'words', words: [...choices] };
  const n = name.toUpperCase();
  if (n === 'DIR') return { kind: 'dir' };
  if (n === 'FILE' || n === 'PLAN') return { kind: 'file' };
  return { kind: 'text' };
}

/** The words a value name lists, as in <director|realserver>. */
function wordsIn(name: string): string[] | undefined {
  return /^[a-z0-9-]+(\|[a-z0-9-]+)+$/.test(name) ? name.split('|') : undefined;
}

/** What --help prints, captured at one width: the help itself, and the text added after it. */
function helpParts(cmd: Command): { own: string; after: string } {
  let text = '';
  const saved = cmd.configureOutput();
  cmd.configureOutput({ ...saved, writeOut: (s) => { text += s; }, getOutHelpWidth: () => 100 });
  try {
    cmd.outputHelp();
    const own = cmd.helpInformation({ error: false });
    return { own, after: text.startsWith(own) ? text.slice(own.length).replace(/^\n+/, '').trimEnd() : '' };
  } finally {
    cmd.configureOutput(saved);
  }
}

export function describeCommand(cmd: Command, parents: string[] = []): CommandModel {
  const path = [...parents, cmd.name()];
  const { after } = helpParts(cmd);
  const options: OptionModel[] = cmd.options.map((o) => {
    const valueName = /[<[]([^>\]]+)[>\]]/.exec(o.flags)?.[1];
    const repeatable = typeof o.parseArg === 'function' && Array.isArray(o.defaultValue) || /repeat/.test(o.description);
    return {
      flags: o.flags,
      ...(o.long ? { long: o.long } : {}),
      ...(o.short ? { short: o.short } : {}),
      description: o.description,
      ...(valueName ? { value: { name: valueName, kind: kindOf(valueName, o.argChoices ?? wordsIn(valueName)), optional: o.optional } } : {}),
      repeatable,
      ...(o.defaultValue !== undefined && o.defaultValue !== false && !Array.isArray(o.defaultValue) ? { defaultValue: String(o.defaultValue) } : {}),
      ...(o.envVar ? { env: o.envVar } : {}),
    };
  });
  options.push({ flags: '-h, --help', long: '--help', short: '-h', description: 'display help for command', repeatable: false });
  return {
    name: cmd.name(),
    path,
    description: cmd.description(),
    usage: `${path.join(' ')} ${cmd.usage()}`,
    arguments: cmd.registeredArguments.map((a) => ({
      name: a.name(), description: a.description, required: a.required,
      kind: kindOf(a.name(), a.argChoices ?? wordsIn(a.name())),
    })),
    options,
    after,
    commands: cmd.commands.filter((c) => !(c as unknown as { _hidden?: boolean })._hidden).map((c) => describeCommand(c, path)),
  };
}

/** Every command of the tree, the root first. */
export function allCommands(model: CommandModel): CommandModel[] {
  return [model, ...model.commands.flatMap(allCommands)];
}
