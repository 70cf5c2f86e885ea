// Every check of a realserver plan against one snapshot of its kernel: a pure function.
import type { RealserverPlan } from '../../lvs/host-plan';
import type { CheckResult } from './check-result';
import { ftpChecks } from './ftp-checks';
import { natRouteChecks } from './route-checks';
import { redirectChecks, redirectDevices } from './redirect-checks';
import { facingInterface, type RealserverSnapshot } from './snapshot';
import { sysctlChecks } from './sysctl-checks';
import { addressCheck, tunnelCheck, vipChecks } from './vip-checks';
import { proxyNeighbourChecks } from './ipv6-vip-checks';

export function evaluateRealserver(plan: RealserverPlan, snapshot: RealserverSnapshot): CheckResult[] {
  const facing = facingInterface(snapshot.interfaces, plan.address);
  return [
    addressCheck(plan, facing),
    ...tunnelCheck(plan, snapshot.interfaces),
    ...vipChecks(plan, snapshot.interfaces, facing),
    ...proxyNeighbourChecks(plan, snapshot.proxyNeighbours, snapshot.sysctls),
    ...sysctlChecks(plan, snapshot.sysctls, facing?.name),
    ...natRouteChecks(plan, snapshot.defaultRoutes),
    ...redirectChecks(plan, snapshot.sysctls, redirectDevices(facing?.name, snapshot.defaultRoutes)),
    ...ftpChecks(plan, snapshot.ftp),
  ];
}

export function checkId(c: Pick<CheckResult, 'action' | 'target'>): string {
  return `${c.action} ${c.target}`;
}
