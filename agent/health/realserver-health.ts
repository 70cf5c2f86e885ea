// The realserver's health as the Health RPC shows it: its own checks, last round.
import type { RealserverSelfReport } from '../realserver/self-report';
import type { HealthSource } from './health-source';
import type { HealthHistory } from './history';

export function realserverHealthSource(selfReport: Pick<RealserverSelfReport, 'latest'>, history: HealthHistory): HealthSource {
  return {
    history,
    async view() {
      const { checks, at, plan } = selfReport.latest();
      return {
        targets: [],
        selfChecks: checks,
        ...(at ? { selfCheckedAt: at } : {}),
        ...(plan ? {} : { note: 'no plan applied yet: run lvsctl rollout' }),
      };
    },
  };
}
