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
  const via = routes.find((r) => r.gateway !== undefined && directors.some((d) => sameAddress(d, r.gateway ?? '')));
  if (via) {
    return [{ ...base, status: 'ok', message: `the default route goes via the director ${via.gateway}${via.device ? ` (${via.device})` : ''}, its NAT gateway` }];
  }
  const now = routes.length === 0
    ? 'there is no default route'
    : `the default route goes via ${routes.map((r) => r.gateway ?? `dev ${r.device ?? '?'}`).join(', ')}`;
  return [{
    ...base,
    status: 'failed',
    message: `${now}; LVS-NAT (service ${services}) needs it via a director (its NAT gateway ${directors.join(' or ')}) so replies return through the director that rewrites them (prepare does not change routes: that could cut the agent off)`,
    fix: `ip ${directors[0].includes(':') ? '-6 ' : ''}route replace default via ${directors[0]}`,
  }];
}
