// What passive port range an FTP server will use, read from its configuration text.
// Pure parsers over untrusted text: they never throw, they say what is wrong.

export interface PortRange {
  min: number;
  max: number;
}

/**
 * range: the server uses ports in this range (as limited by its settings); any: nothing
 * limits it, it may use any port of the given wide range; disabled: passive mode is off; invalid: the server would
 * refuse or misread this configuration.
 */
export type PassiveRange =
  | { kind: 'range'; range: PortRange; setting: string }
  | { kind: 'any'; range: PortRange; reason: string }
  | { kind: 'disabled'; reason: string }
  | { kind: 'invalid'; reason: string };

/** "10000:12000" → { min: 10000, max: 12000 }; undefined unless 0 < min <= max <= 65535. */
export function parsePortRange(text: string): PortRange | undefined {
  const m = /^(\d{1,5}):(\d{1,5})$/.exec(text);
  if (!m) return undefined;
  const min = Number(m[1]);
  const max = Number(m[2]);
  return min >= 1 && min <= max && max <= 65535 ? { min, max } : undefined;
}

export function formatPortRange(r: PortRange): string {
  return `${r.min}:${r.max}`;
}

export function rangeInside(inner: PortRange, outer: PortRange): boolean {
  return inner.min >= outer.min && inner.max <= outer.max;
}

function lines(text: string): Array<{ number: number; text: string }> {
  return text.split('\n').map((t, i) => ({ number: i + 1, text: t.replace(/\r$/, '') }));
}

const VSFTPD_KEYS = ['pasv_enable', 'pasv_min_port', 'pasv_max_port'] as const;
type VsftpdKey = (typeof VSFTPD_KEYS)[number];

/**
 * vsftpd.conf: `key=value` lines, no spaces around '=' (vsftpd refuses to start on
 * " pasv_min_port = 1"), '#' comments, the last occurrence wins. Defaults when absent:
 * pasv_enable=YES, pasv_min_port=0, pasv_max_port=0. Like vsftpd (privops.c), a minimum
 * of 1024 or less means 1024 and a maximum below the minimum or of 65535 or more means
 * 65535: only a range inside 1025..65534 limits anything.
 */
export function vsftpdPassiveRange(text: string): PassiveRange {
  const values: Partial<Record<VsftpdKey, { value: string; line: number }>> = {};
  for (const line of lines(text)) {
    if (line.text.trim() === '' || line.text.startsWith('#')) continue;
    const eq = line.text.indexOf('=');
    const key = eq < 0 ? line.text : line.text.slice(0, eq);
    const known = VSFTPD_KEYS.find((k) => k === key.trim());
    if (!known) continue;
    if (key !== known) {
      return { kind: 'invalid', reason: `line ${line.number}: "${line.text.trim()}" has spaces around the name; vsftpd refuses it (write ${known}=VALUE)` };
    }
    if (eq < 0) return { kind: 'invalid', reason: `line ${line.number}: ${known} has no "=VALUE"` };
    values[known] = { value: line.text.slice(eq + 1), line: line.number };
  }

  if (values.pasv_enable) {
    const v = values.pasv_enable.value.toUpperCase();
    if (v === 'NO' || v === 'FALSE' || v === '0') {
      return { kind: 'disabled', reason: `pasv_enable=${values.pasv_enable.value} (line ${values.pasv_enable.line}) turns passive mode off` };
    }
    if (v !== 'YES' && v !== 'TRUE' && v !== '1') {
      return { kind: 'invalid', reason: `line ${values.pasv_enable.line}: pasv_enable=${values.pasv_enable.value} is not YES or NO; vsftpd refuses it` };
    }
  }
  const ports: Record<'pasv_min_port' | 'pasv_max_port', number> = { pasv_min_port: 0, pasv_max_port: 0 };
  for (const key of ['pasv_min_port', 'pasv_max_port'] as const) {
    const entry = values[key];
    if (!entry) continue;
    const port = vsftpdNumber(entry.value);
    if (port === undefined) {
      return { kind: 'invalid', reason: `line ${entry.line}: ${key}=${entry.value} is not a port number` };
    }
    ports[key] = port;
  }
  const minTakes = ports.pasv_min_port > 1024 && ports.pasv_min_port <= 65535;
  const min = minTakes ? ports.pasv_min_port : 1024;
  const maxTakes = ports.pasv_max_port >= min && ports.pasv_max_port < 65535;
  const max = maxTakes ? ports.pasv_max_port : 65535;
  const setting = `pasv_min_port=${ports.pasv_min_port}, pasv_max_port=${ports.pasv_max_port}`;
  if (!minTakes && !maxTakes) {
    return { kind: 'any', range: { min, max }, reason: `${setting} leaves vsftpd free to use any port (${min}:${max})` };
  }
  return { kind: 'range', range: { min, max }, setting };
}

/**
 * A number setting as vsftpd reads it (parseconf.c): a leading 0 makes it octal (as for
 * local_umask=022; pasv_min_port=010000 is 4096), else atoi, which skips leading blanks and
 * stops at the first other character ("10000 " is 10000). Undefined when no digit begins it
 * (vsftpd would read 0: most likely a typo, reported).
 */
function vsftpdNumber(value: string): number | undefined {
  if (value.startsWith('0')) return parseInt(/^[0-7]*/.exec(value)?.[0] || '0', 8);
  const digits = /^[ \t]*(\d{1,10})/.exec(value);
  return digits ? Number(digits[1]) : undefined;
}

/** The value of pure-ftpd's PassivePortRange: two port numbers, "10000 12000". */
function pureFtpdRangeValue(value: string, where: string): PassiveRange {
  const m = /^\s*(\d{1,5})\s+(\d{1,5})\s*$/.exec(value);
  const min = m ? Number(m[1]) : NaN;
  const max = m ? Number(m[2]) : NaN;
  if (!m || min < 1 || max > 65535 || min > max) {
    return { kind: 'invalid', reason: `${where}: PassivePortRange "${value.trim()}" is not two port numbers FIRST LAST with FIRST <= LAST` };
  }
  return { kind: 'range', range: { min, max }, setting: `PassivePortRange ${min} ${max}` };
}

const PURE_FTPD_ANY: PassiveRange = {
  kind: 'any',
  range: { min: 1024, max: 65535 },
  reason: 'no PassivePortRange: pure-ftpd lets the kernel pick any free port',
};

/** pure-ftpd.conf: `Name value` lines, '#' comments; the last PassivePortRange wins. */
export function pureFtpdConfPassiveRange(text: string): PassiveRange {
  let found: PassiveRange = PURE_FTPD_ANY;
  for (const line of lines(text)) {
    const m = /^\s*PassivePortRange(?:\s+(.*))?$/.exec(line.text);
    if (m) found = pureFtpdRangeValue(m[1] ?? '', `line ${line.number}`);
  }
  return found;
}

/** Debian's /etc/pure-ftpd/conf/PassivePortRange: the file holds only the value. */
export function pureFtpdConfDirPassiveRange(fileText: string | undefined): PassiveRange {
  if (fileText === undefined) return PURE_FTPD_ANY;
  const value = fileText.split('\n').find((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  return value === undefined ? PURE_FTPD_ANY : pureFtpdRangeValue(value.replace(/\r$/, ''), 'PassivePortRange file');
}
