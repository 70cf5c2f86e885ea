// --json: the whole rollout as one JSON document on stdout (its events in the order
// they happened, then the recap), for scripts. Nothing else may reach stdout.
import type { ApplyMode } from '../../lvs/apply-events';
import type { HostRecap, RolloutEvent, RolloutSummary } from '../rollout/events';
import type { GroupRecap } from '../rollout/events';

export interface RolloutJsonDocument {
  command: 'rollout';
  plan: string;
  cluster: string;
  mode: ApplyMode;
  generation: number;
  events: RolloutEvent[];
  recap: HostRecap[];
  stoppedBeforeDirectors?: string;
  /** the director groups, each with tablesMatch and the differing directors */
  groups?: GroupRecap[];
  exitCode: number;
}

export class JsonReport {
  private readonly events: RolloutEvent[] = [];

  /** diff: keep the agents' before/after blocks (as --diff asks) */
  constructor(private readonly diff: boolean) {}

  onEvent(event: RolloutEvent): void {
    if (!this.diff && event.kind === 'agent' && event.event.kind === 'diff') return;
    this.events.push(event);
  }

  document(meta: { plan: string; cluster: string }, summary: RolloutSummary, exitCode: number): RolloutJsonDocument {
    return {
      command: 'rollout',
      plan: meta.plan,
      cluster: meta.cluster,
      mode: summary.mode,
      generation: summary.generation,
      events: this.events,
      recap: summary.hosts,
      ...(summary.stoppedBeforeDirectors !== undefined ? { stoppedBeforeDirectors: summary.stoppedBeforeDirectors } : {}),
      ...(summary.groups ? { groups: summary.groups } : {}),
      exitCode,
    };
  }

  /** The document as stdout gets it: one JSON text and a newline. */
  render(meta: { plan: string; cluster: string }, summary: RolloutSummary, exitCode: number): string {
    return `${JSON.stringify(this.document(meta, summary, exitCode), null, 2)}\n`;
  }
}
