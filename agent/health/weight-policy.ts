// Which weight each realserver of one service should have, given its health: pure.
import type { HealthState } from './types';

export interface WeighedTarget {
  id: string;
  state: HealthState;
  plannedWeight: number;
  currentWeight: number;
}

export interface WeightDecision {
  /** id → the weight it should have now */
  weights: Map<string, number>;
  /** the down target that keeps its weight because every realserver of the service is down */
  keptLast?: string;
}

/**
 * down → 0 (quiesced: the kernel sends it no new connections, existing ones finish);
 * unknown or up → the plan weight. A plan weight of 0 stays 0: the operator drained it.
 *
 * All-down policy, "keep the last": when this would leave no realserver with a weight
 * although the plan gives some one, the last one still carrying a weight keeps it. A
 * service that answers badly beats one that answers nothing (a failing check may be the
 * check's fault), and it is what ldirectord's quiescent mode cannot do. When another
 * realserver comes back, the kept one is quiesced like any other down one.
 */
export function decideWeights(targets: readonly WeighedTarget[]): WeightDecision {
  const weights = new Map<string, number>();
  for (const t of targets) weights.set(t.id, t.state === 'down' ? 0 : t.plannedWeight);

  const planServes = targets.some((t) => t.plannedWeight > 0);
  const nothingServes = [...weights.values()].every((w) => w === 0);
  if (!planServes || !nothingServes) return { weights };

  const last = targets.find((t) => t.state === 'down' && t.plannedWeight > 0 && t.currentWeight > 0);
  if (!last) return { weights };
  weights.set(last.id, last.currentWeight);
  return { weights, keptLast: last.id };
}
