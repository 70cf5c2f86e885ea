// Hand-driven ipvsadm for lab tests (until the agents drive the kernel), and a reader for
// `ipvsadm -Lcn`, the connection table a user looks at to see persistence templates.
import { inNetns } from './netns';

/**
 * `ipvsadm -R` in `ns`. Its exit status is only the LAST line's (see
 * test/fixtures/captured/README.md), so any stderr counts as failure.
 */
export async function ipvsadmRestore(ns: string, lines: readonly string[]): Promise<void> {
  const { stderr } = await inNetns(ns, 'ipvsadm', ['-R'], { input: lines.join('\n') + '\n' });
  if (stderr.trim() !== '') throw new Error(`ipvsadm -R in netns ${ns} refused part of its input: ${stderr.trim()}\ninput:\n${lines.join('\n')}`);
}

export async function ipvsadmClear(ns: string): Promise<void> {
  await inNetns(ns, 'ipvsadm', ['-C']);
}

export interface IpvsConnection {
  protocol: string;
  /** mm:ss as printed */
  expire: string;
  state: string;
  source: { address: string; port: number };
  virtual: { address: string; port: number };
  destination: { address: string; port: number };
}

/** A persistence template: the entry whose client port is 0. */
export function isTemplate(connection: IpvsConnection): boolean {
  return connection.source.port === 0;
}

export async function ipvsConnections(ns: string): Promise<{ text: string; connections: IpvsConnection[] }> {
  const { stdout } = await inNetns(ns, 'ipvsadm', ['-Lcn']);
  return { text: stdout, connections: parseConnections(stdout) };
}

// "TCP 05:58  ASSURED     10.0.0.0:0         10.0.0.100:80      10.0.0.12:80"
const CONNECTION_LINE = /^(\S+)\s+(\d\d:\d\d)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s*$/;

export function parseConnections(text: string): IpvsConnection[] {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  const connections: IpvsConnection[] = [];
  for (const line of lines.slice(2)) {
    const match = CONNECTION_LINE.exec(line);
    if (match === null) throw new Error(`ipvsadm -Lcn: unexpected line "${line}"`);
    const [, protocol, expire, state, source, virtual, destination] = match as unknown as [string, string, string, string, string, string, string];
    connections.push({ protocol, expire, state, source: endpoint(source), virtual: endpoint(virtual), destination: endpoint(destination) });
  }
  return connections;
}

function endpoint(text: string): { address: string; port: number } {
  const at = text.lastIndexOf(':');
  return { address: text.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(text.slice(at + 1)) };
}
