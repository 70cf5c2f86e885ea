// lvsctl_health_state in the Prometheus text format: one series per checked destination, so
// 20,000 of them for a 2,000 x 10 table, which prom-client wrote in one 350 ms block of the
// event loop (1.9 s at 20,000 x 10). Written here as a pausable computation (lvs/yield-point.ts).
import type { HealthSnapshot } from '../../lvs/health/types';
import { serviceKeyString } from '../../lvs/model';
import type { Pausable } from '../../lvs/yield-point';
import { QUICK_STEPS_PER_PAUSE } from '../../lvs/yield-point';
import { ChunkWriter, escapeLabelValue, header } from './exposition-writer';

export const HEALTH_STATE_FAMILY = 'lvsctl_health_state';

/** 1 up, 0 down; a target unknown or not checked has no series (so no alert fires on it). */
export function* healthExposition(snapshot: HealthSnapshot | undefined): Pausable<Buffer[]> {
  const out = new ChunkWriter();
  header(out, HEALTH_STATE_FAMILY, 'gauge', 'health of a realserver of a service: 1 up, 0 down (absent until judged)');
  let steps = 0;
  for (const t of snapshot?.targets ?? []) {
    if (t.checked && t.state !== 'unknown') {
      out.line(`${HEALTH_STATE_FAMILY}{service="${escapeLabelValue(serviceKeyString(t.serviceKey))}",realserver="${escapeLabelValue(t.address)}"} ${t.state === 'up' ? 1 : 0}`);
    }
    if (++steps % QUICK_STEPS_PER_PAUSE === 0) yield;
  }
  out.line('');
  out.flush();
  return out.chunks;
}
