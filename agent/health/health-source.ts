// What the Health RPC reads: the current rows or self-checks, and the event history it
// catches up from and watches. A director and a realserver each provide one.
import type { HealthHistory } from './history';
import type { HealthRow, SelfCheckRecord } from '../../lvs/health/report';

export interface HealthView {
  targets: HealthRow[];
  selfChecks: SelfCheckRecord[];
  selfCheckedAt?: Date;
  /** why the view is empty, e.g. no plan applied yet */
  note?: string;
}

export interface HealthSource {
  view(): Promise<HealthView>;
  history: Pick<HealthHistory, 'recent' | 'since' | 'position' | 'subscribe'>;
}
