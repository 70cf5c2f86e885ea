// A sorry server as it arrived over the wire, checked against its service: the agent
// refuses what the controller's plan rules refuse, so a hand-made or damaged plan cannot
// put a realserver in the table twice or a sorry server no health check will ever call on.
import { canonicalAddress } from '../address';
import type { DirectorRealserver, HealthCheckSpec } from '../host-plan';
import { isIpv6, type Destination, type VirtualService } from '../model';
import { at, fail, type FieldPath } from './checks';

export interface SorryServerContext {
  service: VirtualService;
  realservers: readonly DirectorRealserver[];
  healthCheck?: HealthCheckSpec;
}

/** `d` is an already decoded Destination; returns it or fails naming the field. */
export function sorryServer(d: Destination, ctx: SorryServerContext, path: FieldPath): Destination {
  if (!ctx.healthCheck) fail(path, 'needs a health check on the service: nothing else ever finds every realserver down');
  if (d.weight !== 0) fail(at(path, 'weight'), `must be 0 (got ${d.weight}): the health monitor raises it to 1 while every realserver is down`);
  const key = ctx.service.key;
  const serviceIsV6 = key.kind === 'fwmark' ? key.family === 'inet6' : isIpv6(key.vip);
  if (isIpv6(d.address) !== serviceIsV6) {
    fail(at(path, 'address'), `must be ${serviceIsV6 ? 'IPv6' : 'IPv4'} like the service (got ${d.address})`);
  }
  const wanted = canonicalAddress(d.address);
  const same = ctx.realservers.find((r) => canonicalAddress(r.destination.address) === wanted);
  if (same) fail(at(path, 'address'), `must not be a realserver of the service (${d.address} is "${same.host}")`);
  const forwarding = ctx.realservers[0]?.destination.forwarding;
  if (forwarding !== undefined && d.forwarding !== forwarding) {
    fail(at(path, 'forwarding'), `must be the service's forwarding, ${forwarding} (got ${d.forwarding})`);
  }
  const servicePort = key.kind === 'fwmark' ? 0 : key.port;
  if (servicePort === 0 && d.port !== 0) {
    fail(at(path, 'port'), `must be 0 for a ${key.kind === 'fwmark' ? 'firewall-mark' : 'port-0'} service (got ${d.port})`);
  }
  if (servicePort !== 0 && d.forwarding !== 'nat' && d.port !== servicePort) {
    fail(at(path, 'port'), `must be the service port ${servicePort}: ${d.forwarding} cannot remap ports (got ${d.port})`);
  }
  if (servicePort !== 0 && d.port === 0) fail(at(path, 'port'), 'must be 1..65535 for a port service');
  return d;
}

/** One spelling per address, so "2001:DB8::1" and "2001:db8:0::1" compare equal. */
