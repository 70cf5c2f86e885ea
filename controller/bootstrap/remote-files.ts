// What a host must hold after bootstrap, computed from the plan and the local files (pure):
// the agent executable, the unit, its /etc/default file, the CA certificate, the host's
// certificate and key, and the CRL when the CA directory has one.
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { agentOptionWords, type PlanAgentOptions } from '../../lvs/agent-options';
import { canonicalAddress } from '../../lvs/address';

/** A word the unit's $LVSCTL_AGENT_ARGS passes through as it is. */
const SAFE_WORD = /^[A-Za-z0-9_.\/:,@\[\]-]+$/;

export interface RemoteFile {
  /** what the operator reads: "agent", "unit", "defaults", "ca", "certificate", "key", "crl" */
  label: string;
  path: string;
  /** as stat -c %a prints it */
  mode: '600' | '644' | '755';
  content: Buffer;
  sha256: string;
}

export const CERT_DIR = '/etc/lvsctl';
export const UNIT_PATH = '/etc/systemd/system/lvsctl-agent.service';
export const DEFAULTS_PATH = '/etc/default/lvsctl-agent';
/** Where the agent goes when the unit starts it through PATH (`/usr/bin/env lvsctl-agent`). */
export const DEFAULT_AGENT_PATH = '/usr/local/bin/lvsctl-agent';

export function sha256(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

function file(label: string, path: string, mode: RemoteFile['mode'], content: Buffer): RemoteFile {
  return { label, path, mode, content, sha256: sha256(content) };
}

/**
 * Where the unit's ExecStart looks for the agent: its absolute path when it names one
 * (`/usr/bin/lvsctl-agent …`), else /usr/local/bin, which is on systemd's PATH for `env`.
 */
export function agentPathFromUnit(unitText: string): string {
  const line = unitText.split('\n').map((l) => l.trim()).find((l) => l.startsWith('ExecStart='));
  if (!line) throw new Error('the unit has no ExecStart= line');
  const words = line.slice('ExecStart='.length).replace(/^[-@:+!]+/, '').split(/\s+/);
  if (words[0] === '/usr/bin/env') {
    if (words[1] === 'lvsctl-agent') return DEFAULT_AGENT_PATH;
    throw new Error(`the unit's ExecStart runs ${words[1] ?? 'nothing'} through env, not lvsctl-agent`);
  }
  if (words[0]?.startsWith('/') && words[0].endsWith('/lvsctl-agent')) return words[0];
  throw new Error(`the unit's ExecStart runs ${words[0] ?? 'nothing'}, not lvsctl-agent`);
}

/** systemd's own default when a unit sets no stop timeout (DefaultTimeoutStopSec) */
const SYSTEMD_DEFAULT_STOP_MS = 90_000;
const SPAN_UNITS_MS: Record<string, number> = {
  ms: 1, msec: 1, s: 1000, sec: 1000, second: 1000, seconds: 1000, m: 60_000, min: 60_000, minute: 60_000, minutes: 60_000,
  h: 3_600_000, hr: 3_600_000, hour: 3_600_000, hours: 3_600_000, d: 86_400_000, day: 86_400_000, days: 86_400_000,
};

/**
 * How long systemd lets the agent take to stop (the unit's TimeoutStopSec=, or TimeoutSec=,
 * the last one set; systemd's 90 s without either): `systemctl restart` waits that long for an
 * apply in flight. "infinity" gives undefined (no bound but the host's deadline). Throws on a
 * value it cannot read.
 */
export function stopTimeoutMsFromUnit(unitText: string): number | undefined {
  let value: string | undefined;
  for (const raw of unitText.split('\n')) {
    const match = /^\s*(TimeoutStopSec|TimeoutSec)\s*=\s*(.*?)\s*$/.exec(raw);
    if (match) value = match[2];
  }
  if (value === undefined || value === '') return SYSTEMD_DEFAULT_STOP_MS;
  if (value === 'infinity') return undefined;
  // "300", "5min", "5min 30s", "1h30min": a number alone is seconds
  const parts = value.replace(/\s+/g, '').match(/(\d+(?:\.\d+)?)([a-z]*)/g);
  if (parts === null || parts.join('') !== value.replace(/\s+/g, '')) throw new Error(`TimeoutStopSec=${value} is not a time span lvsctl reads (such as 300, 5min or 1min 30s)`);
  let ms = 0;
  for (const part of parts) {
    const [, number, unit] = /^(\d+(?:\.\d+)?)([a-z]*)$/.exec(part) as RegExpExecArray;
    const scale = unit === '' ? 1000 : SPAN_UNITS_MS[unit];
    if (scale === undefined) throw new Error(`TimeoutStopSec=${value}: "${unit}" is not a unit lvsctl reads (ms, s, min, h, d)`);
    ms += Number(number) * scale;
  }
  return Math.round(ms);
}

export interface HostFilesInput {
  host: string;
  role: 'director' | 'realserver';
  address: string;
  port: number;
  cluster: string;
  agent: Buffer;
  unitText: string;
  caCert: Buffer;
  hostCert: Buffer;
  hostKey: Buffer;
  crl?: Buffer;
  /** common names for the agent's --allow */
  allow: readonly string[];
  /** the plan's options for this agent (its role's, then its own), written after the ones bootstrap decides */
  options?: PlanAgentOptions;
}

/** The agent's arguments, as the unit passes $LVSCTL_AGENT_ARGS (the unit adds --state-dir). */
export function agentArgs(input: Omit<HostFilesInput, 'agent' | 'unitText' | 'caCert' | 'hostCert' | 'hostKey' | 'cluster'>): string[] {
  const v6 = isIP(input.address) === 6;
  // the plan's address only, where the plan says so: nothing else of the host (a director's VIPs, a public interface) answers on the port
  const address = input.options?.listenOn === 'address' ? canonicalAddress(input.address) : v6 ? '::' : '0.0.0.0';
  const listen = v6 ? `[${address}]:${input.port}` : `${address}:${input.port}`;
  return [
    '--role', input.role, '--listen', listen,
    '--ca', `${CERT_DIR}/ca.crt`, '--cert', `${CERT_DIR}/${input.host}.crt`, '--key', `${CERT_DIR}/${input.host}.key`,
    ...(input.crl ? ['--crl', `${CERT_DIR}/crl.pem`] : []),
    ...(input.allow.length > 0 ? ['--allow', input.allow.join(',')] : []),
    ...agentOptionWords(input.options ?? {}),
  ];
}

export function defaultsText(input: Omit<HostFilesInput, 'agent' | 'unitText' | 'caCert' | 'hostCert' | 'hostKey'>): string {
  // systemd's EnvironmentFile takes one value in double quotes and $LVSCTL_AGENT_ARGS splits
  // it at spaces, with no quoting inside: every word must be plain (host names, paths, ports).
  const args = agentArgs(input);
  const odd = args.find((w) => !SAFE_WORD.test(w));
  if (odd !== undefined) throw new Error(`the agent's argument ${JSON.stringify(odd)} cannot be written to /etc/default/lvsctl-agent: only letters, digits and . _ - : , [ ] / @ are kept as one word`);
  return [
    `# /etc/default/lvsctl-agent for ${input.host} of cluster ${input.cluster}, written by lvsctl bootstrap.`,
    '# The next bootstrap writes it again: change the plan or the bootstrap flags, not this file.',
    `LVSCTL_AGENT_ARGS="${args.join(' ')}"`,
    '',
  ].join('\n');
}

/** In the order they are copied: the executable and the certificates before what starts them. */
export function hostFiles(input: HostFilesInput, agentPath: string): RemoteFile[] {
  return [
    file('agent', agentPath, '755', input.agent),
    file('ca', `${CERT_DIR}/ca.crt`, '644', input.caCert),
    file('certificate', `${CERT_DIR}/${input.host}.crt`, '644', input.hostCert),
    file('key', `${CERT_DIR}/${input.host}.key`, '600', input.hostKey),
    ...(input.crl ? [file('crl', `${CERT_DIR}/crl.pem`, '644', input.crl)] : []),
    file('defaults', DEFAULTS_PATH, '644', Buffer.from(defaultsText(input))),
    file('unit', UNIT_PATH, '644', Buffer.from(input.unitText)),
  ];
}
