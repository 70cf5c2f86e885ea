// Which weight each realserver of one service should have, given its health: pure.
import type { AllDownPolicy } from '../../lvs/host-plan';
import type { HealthState } from '../../lvs/health/types';

export interface WeighedTarget {
  id: string;
  state: HealthState;
  plannedWeight: number;
  currentWeight: number;
}

/** What the plan says about a service whose realservers are all down. */
export interface AllDownRules {
  /** absent = "keep-last" */
  allDown?: AllDownPolicy;
  /** the service has a sorry server: it takes over, whatever allDown says */
  sorryServer: boolean;
}

/** The weight a sorry server gets while it serves: it is the only destination with a weight then. */
export const SORRY_SERVER_WEIGHT = 1;

export interface WeightDecision {
  /** id → the weight it should have now */
  weights: Map<string, number>;
  /** the down target that keeps its weight because every realserver of the service is down */
  keptLast?: string;
  /** with a sorry server: the weight it should have now (SORRY_SERVER_WEIGHT while it serves, else 0) */
  sorryServerWeight?: number;
}

/**
 * down → 0 (quiesced: the kernel sends it no new connections, existing ones finish);
 * unknown or up → the plan weight. A plan weight of 0 stays 0: the operator drained it.
 *
 * When this leaves no realserver with a weight although the plan gives some one a weight
 * (so it is health, not the operator, that emptied the service):
 * - with a sorry server, it gets weight 1 and every realserver stays at 0; as soon as one
 *   is up (or unknown) again, the sorry server goes back to 0;
 * - "keep-last" (the default): the last one still carrying a weight keeps it. A service
 *   that answers badly beats one that answers nothing (a failing check may be the check's
 *   fault), and it is what ldirectord's quiescent mode cannot do. When another realserver
 *   comes back, the kept one is quiesced like any other down one;
 * - "quiesce": every one stays at 0, the service refuses new connections rather than send
 *   them to a dead host.
 */
export function decideWeights(targets: readonly WeighedTarget[], rules: AllDownRules = { sorryServer: false }): WeightDecision {
  const weights = new Map<string, number>();
  for (const t of targets) weights.set(t.id, t.state === 'down' ? 0 : t.plannedWeight);

  const planServes = targets.some((t) => t.plannedWeight > 0);
  const nothingServes = [...weights.values()].every((w) => w === 0);
  const allDown = planServes && nothingServes;
  if (rules.sorryServer) return { weights, sorryServerWeight: allDown ? SORRY_SERVER_WEIGHT : 0 };
  if (!allDown || rules.allDown === 'quiesce') return { weights };

  const last = targets.find((t) => t.state === 'down' && t.plannedWeight > 0 && t.currentWeight > 0);
  if (!last) return { weights };
  weights.set(last.id, last.currentWeight);
  return { weights, keptLast: last.id };
}
