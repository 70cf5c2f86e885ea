// --json: the whole rollout as one JSON document on stdout (its events in the order
// they happened, then the recap), for scripts. Nothing else may reach stdout. The agents'
// events are kept up to a bound (a flood from a hostile agent cannot take the controller's
// memory: past it each host's are counted, not kept), and the document is written a piece at
// a time (one string of it could exceed what a JavaScript string holds).
import { eventTextChars, type ApplyMode } from '../../lvs/apply-events';
import type { HostRecap, RolloutEvent, RolloutSummary } from '../rollout/events';
import type { GroupRecap } from '../rollout/events';
import { writeJsonPieces } from '../../lvs/json-pieces';

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
  /** per host, how many of its agent's events were not kept (past MAX_JSON_AGENT_EVENTS or MAX_JSON_AGENT_EVENT_CHARS in all) */
  eventsLeftOut?: Record<string, number>;
  exitCode: number;
}

/**
 * The agents' events --json keeps in all: a 20,000 × 10 load of a director pair streams some
 * 440,000; the rest of the document (phases, hellos, each host's end) is always kept.
 */
export const MAX_JSON_AGENT_EVENTS = 1_000_000;

/**
 * The characters of text those events may hold in all: an agent may send events of up to 16 MiB
 * each, so a count alone let ten flooding agents hold gigabytes. The 20,000 × 10 pair's
 * events hold about 90 million.
 */
export const MAX_JSON_AGENT_EVENT_CHARS = 256 * 1024 * 1024;


export class JsonReport {
  private readonly events: RolloutEvent[] = [];
  private agentEvents = 0;
  private agentEventChars = 0;
  /** set once an event did not fit: from then on the agents' events are counted, not kept, so those kept are the start of the stream */
  private full = false;
  private readonly leftOut = new Map<string, number>();

  /** diff: keep the agents' before/after blocks (as --diff asks) */
  constructor(private readonly diff: boolean, private readonly maxAgentEvents = MAX_JSON_AGENT_EVENTS, private readonly maxAgentEventChars = MAX_JSON_AGENT_EVENT_CHARS) {}

  onEvent(event: RolloutEvent): void {
    if (!this.diff && event.kind === 'agent' && event.event.kind === 'diff') return;
    if (event.kind === 'agent') {
      const chars = eventTextChars(event.event);
      if (this.full || this.agentEvents >= this.maxAgentEvents || this.agentEventChars + chars > this.maxAgentEventChars) {
        this.full = true;
        this.leftOut.set(event.host, (this.leftOut.get(event.host) ?? 0) + 1);
        return;
      }
      this.agentEvents += 1;
      this.agentEventChars += chars;
    }
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
      ...(this.leftOut.size > 0 ? { eventsLeftOut: Object.fromEntries(this.leftOut) } : {}),
      exitCode,
    };
  }

  /**
   * The document as stdout gets it, one JSON text and a newline (JSON.stringify's, indented by
   * 2), handed to write a piece at a time.
   */
  writeTo(write: (text: string) => void, meta: { plan: string; cluster: string }, summary: RolloutSummary, exitCode: number): void {
    // the events are the one large array, at the top: each event is stringified whole
    writeJsonPieces(this.document(meta, summary, exitCode), write, 2);
  }

  /** The same document as one string (a small rollout, a test). */
  render(meta: { plan: string; cluster: string }, summary: RolloutSummary, exitCode: number): string {
    let text = '';
    this.writeTo((piece) => { text += piece; }, meta, summary, exitCode);
    return text;
  }
}
