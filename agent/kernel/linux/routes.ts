// Default routes through iproute2's JSON output: the reader where the netlink package cannot
// load (rtnetlink-routes.ts reads them without a process).
import { errorMessage } from '../../../lvs/errors';
import type { Exec } from '../exec';
import type { AddressFamily } from '../../../lvs/model';
import type { DefaultRoute, Routes } from '../routes';
import { lazySchemas } from '../../lazy-schema';

const ipRouteJson = lazySchemas((z) => {
  const hop = { gateway: z.string().optional(), dev: z.string().optional() };
  return z.array(z.object({ dst: z.string().optional(), ...hop, metric: z.number().int().nonnegative().optional(), nexthops: z.array(z.object(hop)).optional() }));
});

/** A hop of the index-th default route, with the route's metric (ip prints none for 0). */
const defaultRoute = (r: { gateway?: string; dev?: string }, metric: number | undefined, index: number): DefaultRoute => ({
  ...(r.gateway ? { gateway: r.gateway } : {}), ...(r.dev ? { device: r.dev } : {}), ...(metric !== undefined ? { metric } : {}), route: index,
});

/** Parses `ip -j route show default` (a multipath route: one default route a hop); throws saying what is malformed. */
export function parseIpRouteJson(stdout: string): DefaultRoute[] {
  let raw: unknown;
  try {
    // iproute2 prints nothing at all (not "[]") on some versions when no route matches
    raw = stdout.trim() === '' ? [] : JSON.parse(stdout);
  } catch (e) {
    throw new Error(`ip -j route show default printed something that is not JSON: ${errorMessage(e)}`);
  }
  const parsed = ipRouteJson().safeParse(raw);
  if (!parsed.success) throw new Error(`ip -j route show default printed an unexpected shape: ${parsed.error.message}`);
  return parsed.data
    .filter((r) => r.dst === undefined || r.dst === 'default')
    .flatMap((r, index) => (r.nexthops && r.nexthops.length > 0 ? r.nexthops.map((hop) => defaultRoute(hop, r.metric, index)) : [defaultRoute(r, r.metric, index)]));
}

export class LinuxRoutes implements Routes {
  constructor(private readonly exec: Exec) {}

  async defaultRoutes(family: AddressFamily): Promise<DefaultRoute[]> {
    const { stdout } = await this.exec('ip', ['-j', family === 'inet6' ? '-6' : '-4', 'route', 'show', 'default']);
    return parseIpRouteJson(stdout);
  }
}
