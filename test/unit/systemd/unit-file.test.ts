// packaging/lvsctl-agent.service and packaging/lvsctl-agent.default against the agent itself:
// every flag they give is one the agent has, their examples make a valid configuration, and
// the unit says what systemd needs (notify readiness, identifier, reload, the state dir).
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { buildProgram } from '../../../agent/command-line';
import { DEFAULT_KEEPALIVED_CONFIG } from '../../../agent/kernel/linux/keepalived';
import { resolveAgentConfig, type RawAgentOptions } from '../../../agent/server/agent-config';

// dist/test/unit/systemd/ → the repository
const PACKAGING = join(__dirname, '..', '..', '..', '..', 'packaging');
const unit = readFileSync(join(PACKAGING, 'lvsctl-agent.service'), 'utf8');
const defaults = readFileSync(join(PACKAGING, 'lvsctl-agent.default'), 'utf8');

/** The value of KEY= in the unit (the last one, as systemd takes it for these keys). */
function setting(key: string): string | undefined {
  const lines = unit.split('\n').filter((l) => l.startsWith(`${key}=`));
  return lines.at(-1)?.slice(key.length + 1);
}

/** Words of the examples `LVSCTL_AGENT_ARGS="..."` (commented or not, lines joined at a trailing backslash). */
function examples(text: string): string[][] {
  const joined = text.split('\n').map((l) => l.replace(/^#\s?/, '')).join('\n').replace(/\\\n\s*/g, ' ');
  return [...joined.matchAll(/LVSCTL_AGENT_ARGS="([^"]*)"/g)].map((m) => (m[1] as string).split(/\s+/).filter(Boolean));
}

function parse(args: string[]): RawAgentOptions {
  const program = buildProgram();
  program.parse(['node', 'lvsctl-agent', ...args]);
  return program.opts<RawAgentOptions>();
}

describe('the systemd unit and its /etc/default file', () => {
  const execStart = setting('ExecStart') ?? '';

  it('starts the packaged executable with the default file\'s arguments and the unit\'s state directory', () => {
    assert.match(execStart, /^\/usr\/bin\/lvsctl-agent \$LVSCTL_AGENT_ARGS --state-dir \/var\/lib\/lvsctl$/);
    assert.equal(setting('EnvironmentFile'), '/etc/default/lvsctl-agent');
    assert.equal(setting('StateDirectory'), 'lvsctl', '--state-dir /var/lib/lvsctl is the StateDirectory systemd makes');
    assert.match(setting('ReadWritePaths') ?? '', /(^| )\/var\/lib\/lvsctl( |$)/);
    assert.equal(parse(['--role', 'realserver']).stateDir, '/var/lib/lvsctl', 'the agent\'s own default is the unit\'s directory too');
  });

  it('lets the agent write keepalived.conf\'s directory (a director in a group) and run exec checks as another user', () => {
    const writable = (setting('ReadWritePaths') ?? '').split(/\s+/).map((p) => p.replace(/^-/, ''));
    assert.ok(writable.includes(dirname(DEFAULT_KEEPALIVED_CONFIG)), `ReadWritePaths=${setting('ReadWritePaths')} leaves ${dirname(DEFAULT_KEEPALIVED_CONFIG)} read-only under ProtectSystem=${setting('ProtectSystem')}`);
    const caps = (setting('CapabilityBoundingSet') ?? '').split(/\s+/);
    for (const cap of ['CAP_SETUID', 'CAP_SETGID']) assert.ok(caps.includes(cap), `exec.uid/exec.gid need ${cap}`);
  });

  it('gives only flags the agent has', () => {
    const known = new Set(buildProgram().options.map((o) => o.long));
    const flags = [execStart, ...examples(unit).flat(), ...examples(defaults).flat()].join(' ').match(/--[a-z-]+/g) ?? [];
    assert.ok(flags.length > 5, `too few flags found: ${flags.join(' ')}`);
    for (const flag of flags) assert.ok(known.has(flag), `${flag} is not an option of lvsctl-agent (it has ${[...known].join(', ')})`);
  });

  it('its examples make a valid configuration', () => {
    const all = [...examples(unit), ...examples(defaults)];
    assert.ok(all.length >= 3, `expected examples in both files, found ${all.length}`);
    for (const args of all.filter((a) => a.length > 0)) {
      const config = resolveAgentConfig(parse([...args, '--state-dir', '/var/lib/lvsctl']));
      assert.ok(config.tls, `the example ${args.join(' ')} should serve mutual TLS`);
      assert.deepEqual(config.allow, ['controller']);
    }
  });

  it('leaves the default file\'s arguments empty until an operator sets the role', () => {
    assert.match(defaults, /^LVSCTL_AGENT_ARGS=""$/m);
  });

  it('is Type=notify with NotifyAccess=all (systemd-notify is the agent\'s child), logs as lvsctl-agent with priority prefixes', () => {
    assert.equal(setting('Type'), 'notify');
    assert.equal(setting('NotifyAccess'), 'all');
    assert.equal(setting('SyslogIdentifier'), 'lvsctl-agent');
    assert.equal(setting('SyslogLevelPrefix'), 'yes');
    assert.match(setting('RestrictAddressFamilies') ?? '', /\bAF_UNIX\b/, 'the notify socket is AF_UNIX');
  });

  it('reloads with SIGHUP (the agent reads its TLS files again: tls-reload.test.ts) and stops with SIGTERM', () => {
    assert.equal(setting('ExecReload'), '/bin/kill -HUP $MAINPID');
    assert.equal(setting('KillSignal'), 'SIGTERM');
  });

  it('sends the stop\'s SIGTERM to the agent alone, so that an ipvsadm -R or iptables-restore of the apply in flight finishes', () => {
    // systemd's default, control-group, signals every process of the unit at once
    assert.equal(setting('KillMode'), 'mixed');
  });
});
