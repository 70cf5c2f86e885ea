// Colors for the human output: only on a terminal, and never when NO_COLOR is set
// (https://no-color.org), so pipes, logs and CI get plain text.
import type { HostStatus } from '../rollout/events';

export interface Paint {
  status(status: HostStatus | 'notice' | 'connected' | 'diff', text: string): string;
  removed(text: string): string;
  added(text: string): string;
  bold(text: string): string;
}

export function shouldUseColor(stream: { isTTY?: boolean }, env: Readonly<Record<string, string | undefined>>): boolean {
  return stream.isTTY === true && env.NO_COLOR === undefined;
}

const CODES = { green: 32, yellow: 33, red: 31, cyan: 36, magenta: 35, bold: 1 } as const;

// As Ansible paints them: green ok, yellow changed, red failed and unreachable, cyan skipped.
const STATUS_COLOR = {
  ok: 'green', connected: 'green', changed: 'yellow', failed: 'red', unreachable: 'red',
  skipped: 'cyan', notice: 'magenta', diff: 'cyan',
} as const;

export function makePaint(color: boolean): Paint {
  const wrap = (code: number, text: string): string => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
  return {
    status: (status, text) => wrap(CODES[STATUS_COLOR[status]], text),
    removed: (text) => wrap(CODES.red, text),
    added: (text) => wrap(CODES.green, text),
    bold: (text) => wrap(CODES.bold, text),
  };
}
