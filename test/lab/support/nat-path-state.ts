// What decides whether LVS-NAT answers get back, as text for a failed assertion: the director's
// IPVS connections, every host's routes and neighbours, and the realservers' route exceptions,
// where an ICMP redirect they took shows.
import { inNetns } from './netns';

export async function natPathState(family: 4 | 6, director: string, realservers: readonly string[], client: string): Promise<string> {
  const parts: string[] = [];
  const show = async (host: string, file: string, args: string[]): Promise<void> => {
    const out = await inNetns(host, file, args).then((r) => r.stdout.trim(), (e: unknown) => `(${e instanceof Error ? e.message : String(e)})`);
    parts.push(`${host}: ${file} ${args.join(' ')}\n${out}`);
  };
  await show(director, 'ipvsadm', ['-L', '-n', '-c']);
  for (const host of [director, ...realservers, client]) {
    const ip = family === 6 ? ['-6'] : [];
    await show(host, 'ip', [...ip, 'route']);
    await show(host, 'ip', [...ip, 'neigh']);
    // a route exception ("10.0.0.200 via 10.0.0.200") is an ICMP redirect the realserver took
    if (realservers.includes(host)) await show(host, 'ip', [...ip, 'route', 'show', 'cache']);
  }
  return `\n${parts.join('\n')}`;
}
