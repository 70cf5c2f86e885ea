// AgentReader over gRPC: the same channel, bounds and failure wording as the apply client
// (grpc-client.ts), for the read-only calls. Every answer is decoded and checked; a
// malformed one is an unreachable host, not garbage on the screen.
import { status as grpcStatus, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import type { AgentHealthReport } from '../../lvs/health/report';
import { connectionFromWire, connectionsRequestToWire } from '../../lvs/wire/connections-codec';
import { DEFAULT_CONNECTION_LIMIT, type ConnectionEntry } from '../../lvs/formats/ipvs-connections';
import { WireFieldError } from '../../lvs/wire/checks';
import { healthReportFromWire } from '../../lvs/wire/health-codec';
import { statusReplyFromWire, type DirectorStatus } from '../../lvs/wire/status-encode';
import type { StatusReply__Output } from '../../proto/generated/lvsctl/v1/StatusReply';
import { AgentUnreachableError } from './agent-client';
import { AgentChannel, channelExtras, type Target } from './agent-channel';
import { AgentRefusedError, type AgentReader, type AgentReaderConnector, type HealthWatch } from './agent-reader';
import { describeCallFailure, where, wireReason, type CallContext } from './call-failure';
import { answerLimit, deadlinePassed, type CallLimit } from './call-limit';
import type { GrpcConnectorOptions } from './grpc-client';

export interface GrpcReaderOptions extends GrpcConnectorOptions {
  /** a watch that brings nothing for this long has stopped; default WATCH_SILENCE_MS */
  watchSilenceMs?: number;
}

/**
 * The agent sends a heartbeat after 15 s without a change (docs/health.md): three missed
 * ones mean the watch stopped, whatever the connection still looks like.
 */
export const WATCH_SILENCE_MS = 45_000;

class GrpcAgentReader implements AgentReader {
  private readonly channel: AgentChannel;
  private readonly context: CallContext;

  constructor(private readonly target: Target, private readonly opts: GrpcReaderOptions) {
    this.channel = new AgentChannel(target, opts.tls, opts.timeoutMs, channelExtras(target, opts));
    this.context = { ...target, tls: opts.tls, trace: this.channel.trace };
  }

  health(): Promise<AgentHealthReport> {
    return this.ask((deadline) => this.channel.stub.health({ watch: false }, { deadline }), healthReportFromWire, 1).then((reports) => {
      const report = reports[0];
      if (!report) throw new AgentUnreachableError(this.target.host, `agent of ${this.target.host} ended the health call without a report; see its log`);
      return report;
    });
  }

  watchHealth(onReport: (report: AgentHealthReport) => void): HealthWatch {
    const call = this.channel.track(this.channel.stub.health({ watch: true }));
    const first = answerLimit(Date.now(), this.opts.timeoutMs);
    const silenceMs = this.opts.watchSilenceMs ?? WATCH_SILENCE_MS;
    let reports = 0;
    let cancelled = false;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const done = new Promise<void>((resolve, reject) => {
      const end = (outcome: () => void): void => {
        clearTimeout(timer);
        if (settled) return;
        settled = true;
        outcome();
      };
      // Silence past --timeout before the first report means nobody is there to answer;
      // silence past three heartbeats after it means the stream stopped.
      const expect = (ms: number, why: () => string): void => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          call.cancel();
          end(() => reject(new AgentUnreachableError(this.target.host, why())));
        }, ms);
      };
      expect(first.at - Date.now(), () => this.silence(first));
      call.on('data', (wire) => {
        if (settled) return;
        reports++;
        expect(silenceMs, () => `${where(this.context)}: the health watch stopped: no report nor heartbeat for ${silenceMs / 1000} s` +
          `${this.dropped() ? '; the connection dropped: the agent stopped or restarted? see its log' : '; the agent is busy or stuck? see its log'}`);
        try {
          onReport(healthReportFromWire(wire));
        } catch (e) {
          call.cancel();
          end(() => reject(this.malformed(e)));
        }
      });
      call.on('error', (err: ServiceError) => {
        if (cancelled && err.code === grpcStatus.CANCELLED) return end(resolve);
        end(() => reject(this.failure(err, reports === 0 ? first : { at: Date.now(), text: 'while watching', byCommand: false })));
      });
      call.on('end', () => end(resolve));
    });
    return { done, cancel: () => { cancelled = true; call.cancel(); } };
  }

  status(): Promise<DirectorStatus> {
    if (deadlinePassed(Date.now(), this.opts.deadline)) return Promise.reject(this.tooLate());
    const limit = answerLimit(Date.now(), this.opts.timeoutMs, this.opts.deadline);
    return new Promise((resolve, reject) => {
      this.channel.track(this.channel.stub.status({}, { deadline: limit.at }, (err, reply) => {
        if (err) return reject(this.failure(err, limit));
        try {
          return resolve(statusReplyFromWire(reply as StatusReply__Output));
        } catch (e) {
          return reject(this.malformed(e));
        }
      }));
    });
  }

  connections(filter: Parameters<AgentReader['connections']>[0]): Promise<ConnectionEntry[]> {
    return this.ask((deadline) => this.channel.stub.connections(connectionsRequestToWire(filter), { deadline }), connectionFromWire, filter.limit ?? DEFAULT_CONNECTION_LIMIT);
  }

  close(): void {
    this.channel.close();
  }

  /**
   * A server-streaming call whose whole answer must come within the call's bound. At most
   * maxItems are kept: the call is cancelled at the last one asked for, so a peer that
   * streams without end cannot fill the controller's memory.
   */
  private ask<W, T>(start: (deadline: number) => ClientReadableStream<W>, decode: (wire: W) => T, maxItems: number): Promise<T[]> {
    if (deadlinePassed(Date.now(), this.opts.deadline)) return Promise.reject(this.tooLate());
    const limit = answerLimit(Date.now(), this.opts.timeoutMs, this.opts.deadline);
    const call = this.channel.track(start(limit.at));
    return new Promise((resolve, reject) => {
      const items: T[] = [];
      let settled = false;
      call.on('data', (wire: W) => {
        if (settled) return;
        try {
          items.push(decode(wire));
        } catch (e) {
          settled = true;
          call.cancel();
          reject(this.malformed(e));
          return;
        }
        if (items.length >= maxItems) {
          settled = true;
          call.cancel();
          resolve(items);
        }
      });
      call.on('error', (err: ServiceError) => { if (!settled) { settled = true; reject(this.failure(err, limit)); } });
      call.on('end', () => { if (!settled) { settled = true; resolve(items); } });
    });
  }

  private dropped(): boolean {
    return this.channel.trace.lastConnected()?.state.stage === 'closed';
  }

  private silence(limit: CallLimit): string {
    const attempt = this.channel.trace.latest();
    return (attempt && wireReason(attempt, this.context, limit)) ?? `${where(this.context)}: no answer ${limit.text}; is the host up and the port open?`;
  }

  private failure(err: ServiceError, limit: CallLimit): Error {
    const failure = describeCallFailure(err, this.context, limit);
    return failure.kind === 'unreachable'
      ? new AgentUnreachableError(this.target.host, failure.reason)
      : new AgentRefusedError(this.target.host, failure.reason);
  }

  private tooLate(): AgentUnreachableError {
    return new AgentUnreachableError(this.target.host, `${where(this.context)}: not asked: ${this.opts.deadline?.text ?? 'the deadline'} passed before its turn`);
  }

  private malformed(e: unknown): AgentUnreachableError {
    const what = e instanceof WireFieldError ? e.message : String(e);
    return new AgentUnreachableError(this.target.host, `agent of ${this.target.host} sent a malformed answer (${what}); is it the same lvsctl version?`);
  }
}

export function createGrpcReaderConnector(opts: GrpcReaderOptions): AgentReaderConnector {
  return (target) => new GrpcAgentReader(target, opts);
}
