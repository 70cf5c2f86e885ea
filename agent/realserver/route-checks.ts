// LVS-NAT: the director rewrites replies, so they must go back through it; the
// realserver's default route has to point at a director's NAT gateway (its natGateway in
// the plan, else its agent address: the plan's compile picks it, duty.directors carries it).
import type { DefaultRoute } from '../kernel/routes';
import type { RealserverPlan } from '../../lvs/host-plan';
import type { CheckResult } from './check-result';
import { sameAddress } from '../../lvs/address';
import { someNames } from '../../lvs/some-names';

export function natRouteChecks(plan: RealserverPlan, routes: readonly DefaultRoute[]): CheckResult[] {
  const natDuties = plan.duties.filter((d) => d.forwarding === 'nat');
  if (natDuties.length === 0) return [];
  const directors = [...new Set(natDuties.flatMap((d) => d.directors))];
  const services = someNames(natDuties.map((d) => d.service));
  const base = { action: 'check-default-route', target: 'default' };
  if (directors.length === 0) {
    return [{ ...base, status: 'failed', message: `service ${services} is LVS-NAT but the plan names no director address to route through`, fix: 'add a host with role "director" to plan.json' }];
  }
  const isDirector = (hop: DefaultRoute): boolean => hop.gateway !== undefined && directors.some((d) => sameAddress(d, hop.gateway ?? ''));
  // the kernel sends by the default route of the lowest metric, every hop of it when multipath:
  // a route via the director behind a lower one, or one hop of several, leaves replies elsewhere
  const used = usedDefaultRoute(routes);
  if (used.length > 0 && used.every(isDirector)) {
    const via = used[0];
    return [{ ...base, status: 'ok', message: `the default route goes via the director ${used.map((h) => h.gateway).join(' and ')}${via.device ? ` (${via.device})` : ''}, its NAT gateway` }];
  }
  const six = directors[0].includes(':') ? '-6 ' : '';
  const unused = routes.filter((r) => !used.includes(r) && isDirector(r));
  const now = used.length === 0
    ? 'there is no default route'
    : `the default route goes via ${used.map(hopText).join(' and ')}${used.length > 1 ? ' (multipath: replies leave by each hop)' : ''}${unused.length > 0 ? `, not by the one via the director ${unused[0].gateway} (metric ${unused[0].metric ?? 0}: a lower metric wins)` : ''}`;
  const winner = used[0];
  // a lower route in the way: deleting it leaves the director's the lowest; else the used one is replaced
  const fix = used.length === 1 && unused.length > 0 && winner !== undefined
    ? `ip ${six}route del default${winner.gateway ? ` via ${winner.gateway}` : ` dev ${winner.device ?? '?'}`}${winner.metric ? ` metric ${winner.metric}` : ''}`
    // (without a metric: IPv4's 0 wins over any other, IPv6's 1024 is its default routes' own)
    : `ip ${six}route replace default via ${directors[0]}`;
  return [{
    ...base,
    status: 'failed',
    message: `${now}; LVS-NAT (service ${services}) needs it via a director (its NAT gateway ${directors.join(' or ')}) so replies return through the director that rewrites them (prepare does not change routes: that could cut the agent off)`,
    fix,
  }];
}

/** The default route the kernel uses: the hops of the lowest metric's (the first of equals), or none. */
function usedDefaultRoute(routes: readonly DefaultRoute[]): DefaultRoute[] {
  if (routes.length === 0) return [];
  const best = routes.reduce((a, b) => ((b.metric ?? 0) < (a.metric ?? 0) ? b : a));
  // hops of one multipath route share its index; a route without one is alone
  return best.route === undefined ? [best] : routes.filter((r) => r.route === best.route);
}

function hopText(hop: DefaultRoute): string {
  return `${hop.gateway ?? `dev ${hop.device ?? '?'}`}${hop.metric ? ` (metric ${hop.metric})` : ''}`;
}
