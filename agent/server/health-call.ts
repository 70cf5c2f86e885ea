// The Health RPC: one report, or with watch=true a report now, then one on every change
// (new events in the history) and a heartbeat when nothing happened for a while. Bounded:
// a few watches at a time, changes coalesced while the client is slow (at most one report
// waits), and every watch ends when the agent shuts down.
import type { VrrpSource } from '../../lvs/vrrp';
import { status, type ServerWritableStream } from '@grpc/grpc-js';
import type { Logger } from 'winston';
import type { HealthSource } from '../health/health-source';
import type { AgentHealthReport, HealthEventRecord } from '../../lvs/health/report';
import { realClock, type Clock } from '../clock';
import type { AgentRole } from '../../lvs/wire/enum-names';
import { healthReportToWire } from '../../lvs/wire/health-codec';
import type { HealthReport } from '../../proto/generated/lvsctl/v1/HealthReport';
import type { HealthRequest__Output } from '../../proto/generated/lvsctl/v1/HealthRequest';
import { callError, type CallError } from './call-errors';
import { drained } from './drained';

export const DEFAULT_HEARTBEAT_MS = 15_000;
export const DEFAULT_MAX_WATCHES = 16;
/** changes closer together than this go out as one report */
const COALESCE_MS = 50;

export interface HealthCallOptions {
  host: string;
  role: AgentRole;
  source?: HealthSource;
  /** a director in a group: its VRRP state, added to every report */
  vrrp?: VrrpSource;
  logger: Logger;
  heartbeatMs?: number;
  maxWatches?: number;
  clock?: Clock;
}

type HealthCall = ServerWritableStream<HealthRequest__Output, HealthReport>;

export class HealthCalls {
  private readonly watches = new Set<() => void>();
  private readonly clock: Clock;

  constructor(private readonly options: HealthCallOptions) {
    this.clock = options.clock ?? realClock;
  }

  /** Ends every open watch (agent shutdown). */
  endAll(): void {
    for (const end of [...this.watches]) end();
  }

  /** Handles one call; `refuse` ends it with an error. */
  async handle(call: HealthCall, refuse: (error: CallError) => void): Promise<void> {
    const source = this.options.source;
    if (!source) return refuse(callError(status.UNIMPLEMENTED, 'this agent reports no health (it was started without a health source)'));
    if (!call.request.watch) {
      try {
        call.write(healthReportToWire(await this.report(source, source.history.recent(), false)));
        call.end();
      } catch (err) {
        refuse(this.failed(err));
      }
      return;
    }
    if (this.watches.size >= (this.options.maxWatches ?? DEFAULT_MAX_WATCHES)) {
      return refuse(callError(status.RESOURCE_EXHAUSTED, `this agent already serves ${this.watches.size} health watches; stop one (or use lvsctl health without --watch)`));
    }
    this.watch(call, source, refuse);
  }

  private watch(call: HealthCall, source: HealthSource, refuse: (error: CallError) => void): void {
    let position = source.history.position;
    let sending = false;
    let pending = false;
    let ended = false;
    let lastSent = this.clock.now().getTime();
    let cancelCoalesce: (() => void) | undefined;
    let cancelHeartbeat: (() => void) | undefined;
    const heartbeatMs = this.options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;

    const end = (error?: CallError): void => {
      if (ended) return;
      ended = true;
      unsubscribe();
      cancelCoalesce?.();
      cancelHeartbeat?.();
      this.watches.delete(end);
      if (error) refuse(error);
      else if (!call.cancelled) call.end();
    };
    const send = async (first: boolean): Promise<void> => {
      if (ended) return;
      if (sending) { pending = true; return; }
      sending = true;
      try {
        const events = first ? source.history.recent() : source.history.since(position);
        position = source.history.position;
        const report = await this.report(source, events, !first && events.length === 0);
        if (ended) return;
        lastSent = this.clock.now().getTime();
        const flowing = call.write(healthReportToWire(report));
        // A slow client: wait for the buffer to drain; changes meanwhile collapse into one report.
        if (!flowing) await drained(call);
      } catch (err) {
        return end(this.failed(err));
      } finally {
        sending = false;
      }
      if (pending) { pending = false; void send(false); }
    };
    const onChange = (): void => {
      if (cancelCoalesce) return;
      cancelCoalesce = this.clock.after(COALESCE_MS, () => { cancelCoalesce = undefined; void send(false); });
    };
    const heartbeat = (): void => {
      cancelHeartbeat = this.clock.after(heartbeatMs, () => {
        if (this.clock.now().getTime() - lastSent >= heartbeatMs - 1) void send(false);
        if (!ended) heartbeat();
      });
    };
    const unsubscribe = source.history.subscribe(() => onChange());
    this.watches.add(end);
    call.on('cancelled', () => end());
    call.on('error', () => end());
    this.options.logger.debug('health watch started', { peer: call.getPeer() });
    heartbeat();
    void send(true);
  }

  private async report(source: HealthSource, events: HealthEventRecord[], heartbeat: boolean): Promise<AgentHealthReport> {
    const [view, vrrp] = await Promise.all([source.view(), this.options.vrrp?.read().catch(() => undefined)]);
    return {
      host: this.options.host, role: this.options.role, at: this.clock.now(),
      targets: view.targets, events, selfChecks: view.selfChecks,
      ...(view.selfCheckedAt ? { selfCheckedAt: view.selfCheckedAt } : {}),
      heartbeat,
      ...(view.note ? { note: view.note } : {}),
      ...(vrrp ? { vrrp } : {}),
    };
  }

  private failed(err: unknown): CallError {
    this.options.logger.error('health report failed', { error: String(err) });
    return callError(status.INTERNAL, `building the health report failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}
