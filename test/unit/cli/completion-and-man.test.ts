// What an operator sees of `lvsctl completion` and the man pages: the scripts load in their
// shell and complete the commands, subcommands, options and choices the definitions declare;
// `man -l` renders the pages built into dist/share without a warning; every command's help
// ends with its exit codes. zsh, fish and man come from scripts/install-deps.sh: without one,
// its test is skipped loudly, and fails with CI=true.
import { strict as assert } from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildProgram } from '../../../controller/cli/program';
import { allCommands, describeCommand } from '../../../controller/cli/help-model';
import { main } from '../../../controller/cli/program';

// dist/test/unit/cli → dist/
const DIST = join(__dirname, '..', '..', '..');
const LVSCTL = join(DIST, 'controller', 'cli', 'main.js');
const model = describeCommand(buildProgram());
const topCommands = model.commands.map((c) => c.name);

function lvsctlOut(...args: string[]): string {
  return execFileSync(process.execPath, [LVSCTL, ...args], { encoding: 'utf8' });
}

function need(tool: string, ctx: Mocha.Context): void {
  if (existsSync(tool)) return;
  if (process.env.CI === 'true') throw new Error(`${tool} is missing (scripts/install-deps.sh installs it; CI=true: a missing tool fails)`);
  console.warn(`\n    SKIPPED: ${ctx.test?.title}: ${tool} is missing (scripts/install-deps.sh installs it)\n`);
  ctx.skip();
}

describe('lvsctl completion and the man pages', function () {
  this.timeout(30_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'lvsctl-completion-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('bash: the script loads (complete -p lvsctl) and completes commands, subcommands, options and choices', function () {
    need('/bin/bash', this);
    const script = [
      `source <("${process.execPath}" "${LVSCTL}" completion bash)`,
      'complete -p lvsctl',
      't() { COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=(); _lvsctl; echo "${COMPREPLY[*]}"; }',
      't lvsctl ""', 't lvsctl certs ""', 't lvsctl rollout --d', 't lvsctl completion ""', 't lvsctl certs issue --',
    ].join('\n');
    const lines = execFileSync('bash', ['-c', script], { encoding: 'utf8' }).split('\n');
    assert.equal(lines[0], 'complete -o filenames -F _lvsctl lvsctl');
    assert.deepEqual(lines[1].split(' '), topCommands);
    assert.deepEqual(lines[2].split(' '), ['init', 'issue', 'revoke', 'crl']);
    assert.deepEqual(lines[3].split(' '), ['--diff', '--deadline']);
    assert.equal(lines[4], 'bash zsh fish');
    assert.equal(lines[5], '--ip --dns --help');
  });

  it('zsh: the script parses, and compinit registers it for lvsctl from $fpath', function () {
    need('/usr/bin/zsh', this);
    const fpath = join(dir, 'zfunc');
    mkdirSync(fpath, { recursive: true });
    writeFileSync(join(fpath, '_lvsctl'), lvsctlOut('completion', 'zsh'));
    execFileSync('zsh', ['-n', join(fpath, '_lvsctl')]);
    const out = execFileSync('zsh', ['-f', '-c', `fpath=(${fpath} $fpath); autoload -U compinit; compinit -u -d ${join(dir, 'zcompdump')}; print -r -- $_comps[lvsctl]`], { encoding: 'utf8' });
    assert.equal(out.trim(), '_lvsctl');
  });

  it('fish: the script loads and completes commands and options (complete -C)', function () {
    need('/usr/bin/fish', this);
    const file = join(dir, 'lvsctl.fish');
    writeFileSync(file, lvsctlOut('completion', 'fish'));
    const run = (line: string): string[] =>
      execFileSync('fish', ['--no-config', '-c', `source ${file}; complete -C '${line}'`], { encoding: 'utf8' }).split('\n').filter((l) => l !== '').map((l) => l.split('\t')[0]);
    assert.deepEqual(run('lvsctl ').filter((w) => !w.startsWith('-')).sort(), [...topCommands].sort());
    assert.deepEqual(run('lvsctl certs ').sort(), ['crl', 'init', 'issue', 'revoke']);
    assert.ok(run('lvsctl bootstrap --ch').includes('--check'));
  });

  it('an unknown shell is a usage error naming the choices', () => {
    const r = spawnSync(process.execPath, [LVSCTL, 'completion', 'tcsh'], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /bash, zsh, fish/);
  });

  for (const [page, words] of [
    ['man1/lvsctl.1', ['bootstrap', 'completion', '--ca-dir', 'EXIT STATUS', 'LVSCTL_CA']],
    ['man8/lvsctl-agent.8', ['--role', '--listen', 'SIGHUP', '/etc/default/lvsctl-agent']],
    ['man5/lvsctl-plan.5', ['apiVersion', 'sorryServer', 'agentPort']],
  ] as const) {
    it(`man -l renders dist/share/man/${page} without a warning`, function () {
      need('/usr/bin/man', this);
      const file = join(DIST, 'share', 'man', page);
      const r = spawnSync('man', ['--warnings', '-l', file], { encoding: 'utf8', env: { ...process.env, MANWIDTH: '100', MANPAGER: 'cat', PAGER: 'cat', LC_ALL: 'C.UTF-8' } });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stderr, '', `warnings from man -l ${file}`);
      for (const w of words) assert.ok(r.stdout.includes(w), `${page} lacks ${w}`);
    });
  }

  it('lvsctl(1) has every command and every option --help shows', () => {
    const page = readFileSync(join(DIST, 'share', 'man', 'man1', 'lvsctl.1'), 'utf8').replace(/\\-/g, '-');
    for (const c of allCommands(model).filter((c) => c.commands.length === 0)) {
      assert.ok(page.includes(c.usage), `no usage line for ${c.path.join(' ')}`);
      for (const o of c.options) if (o.long !== '--help') assert.ok(page.includes(o.flags), `${c.path.join(' ')}: no ${o.flags}`);
    }
  });

  it('the completions built into dist/share are the ones lvsctl completion prints', () => {
    for (const [shell, file] of [['bash', 'lvsctl.bash'], ['zsh', '_lvsctl'], ['fish', 'lvsctl.fish']]) {
      assert.equal(readFileSync(join(DIST, 'share', 'completions', file), 'utf8'), lvsctlOut('completion', shell));
    }
  });

  it('every command\'s help ends with its exit codes', () => {
    const without = allCommands(model).filter((c) => c.commands.length === 0 && !/Exit codes:\n {2}0 {2}/.test(c.after)).map((c) => c.path.join(' '));
    assert.deepEqual(without, []);
  });

  it('certs init and certs issue print the next command to run', async () => {
    const out: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => { out.push(chunk); return true; }) as typeof process.stdout.write;
    try {
      assert.equal(await main(['node', 'lvsctl', 'certs', 'init', join(dir, 'pki')]), 0);
      assert.equal(await main(['node', 'lvsctl', 'certs', 'issue', join(dir, 'pki'), 'web1', '--ip', '10.0.0.11']), 0);
    } finally {
      process.stdout.write = write;
      process.exitCode = undefined;
    }
    const text = out.join('');
    assert.match(text, new RegExp(`next: .*\\n {2}lvsctl certs issue ${join(dir, 'pki')} HOST --ip ADDRESS`));
    assert.match(text, /next, for the agent on web1: copy .*ca\.crt, .*crl\.pem, .*web1\.crt and .*web1\.key \(mode 0600\)/);
    assert.match(text, /lvsctl bootstrap PLAN --ca-dir .* --limit web1/);
    assert.match(text, /export LVSCTL_CA=.*ca\.crt LVSCTL_CERT=.*web1\.crt LVSCTL_KEY=.*web1\.key/);
  });
});
