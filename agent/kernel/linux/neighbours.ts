// IPv6 proxy neighbour entries through iproute2's JSON output.
import { errorMessage } from '../../../lvs/errors';
import type { Exec } from '../exec';
import type { Neighbours, ProxyNeighbour } from '../neighbours';
import { lazySchemas } from '../../lazy-schema';

const ipNeighJson = lazySchemas((z) => z.array(z.object({ dst: z.string(), dev: z.string() })));

/** Parses `ip -j -6 neigh show proxy`; throws saying what is malformed. */
export function parseIpNeighProxyJson(stdout: string): ProxyNeighbour[] {
  let raw: unknown;
  try {
    raw = stdout.trim() === '' ? [] : JSON.parse(stdout);
  } catch (e) {
    throw new Error(`ip -j -6 neigh show proxy printed something that is not JSON: ${errorMessage(e)}`);
  }
  const parsed = ipNeighJson().safeParse(raw);
  if (!parsed.success) throw new Error(`ip -j -6 neigh show proxy printed an unexpected shape: ${parsed.error.message}`);
  return parsed.data.map((n) => ({ address: n.dst, device: n.dev }));
}

export class LinuxNeighbours implements Neighbours {
  constructor(private readonly exec: Exec) {}

  async ipv6Proxies(): Promise<ProxyNeighbour[]> {
    const { stdout } = await this.exec('ip', ['-j', '-6', 'neigh', 'show', 'proxy']);
    return parseIpNeighProxyJson(stdout);
  }
}
