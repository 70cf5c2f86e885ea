// What `lvsctl render` prints for one host: its heading facts and its lines.
export interface HostCommands {
  host: string;
  role: 'director' | 'realserver';
  /** the host's resolved address */
  address: string;
  /** shell commands and # comment lines, in the order an operator would type them */
  commands: string[];
}

/** "# host lvs1 (director, 10.0.0.1)" */
export function hostHeading(h: Pick<HostCommands, 'host' | 'role' | 'address'>): string {
  return `# host ${h.host} (${h.role}, ${h.address})`;
}

/** Several hosts' commands as one text: a heading per host, a blank line between hosts. */
export function formatHostCommands(hosts: readonly HostCommands[]): string {
  return hosts.map((h) => [hostHeading(h), ...h.commands].join('\n') + '\n').join('\n');
}

/** Lines in order, each once (two services on one VIP need its address once). */
export function uniqueLines(lines: readonly string[]): string[] {
  return [...new Set(lines)];
}
