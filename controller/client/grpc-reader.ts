// AgentReader over gRPC: the same channel settings, TLS identity check and failure wording
// as the apply client (grpc-client.ts), for the read-only calls. Every answer is decoded
// and checked; a malformed one is an unreachable host, not garbage on the screen.
import { status as grpcStatus, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import type { AgentHealthReport } from '../../lvs/health/report';
import type { ConnectionEntry } from '../../lvs/formats/ipvs-connections';
import { connectionFromWire, connectionsRequestToWire } from '../../lvs/wire/connections-codec';
import { WireFieldError } from '../../lvs/wire/checks';
import { healthReportFromWire } from '../../lvs/wire/health-codec';
import { statusReplyFromWire, type DirectorStatus } from '../../lvs/wire/status-encode';
import type { AgentClient as WireAgentClient } from '../../proto/generated/lvsctl/v1/Agent';
import type { StatusReply__Output } from '../../proto/generated/lvsctl/v1/StatusReply';
import { AgentUnreachableError } from './agent-client';
import { AgentRefusedError, type AgentReader, type AgentReaderConnector, type HealthWatch } from './agent-reader';
import { describeCallFailure, type CallContext } from './call-failure';
import { openAgentStub, type GrpcConnectorOptions } from './grpc-client';

type Target = { host: string; address: string; port: number };

class GrpcAgentReader implements AgentReader {
  private readonly stub: WireAgentClient;
  private readonly context: CallContext;

  constructor(private readonly target: Target, private readonly opts: GrpcConnectorOptions) {
    this.stub = openAgentStub(target, opts);
    this.context = { ...target, timeoutMs: opts.timeoutMs, tls: opts.tls };
  }

  health(): Promise<AgentHealthReport> {
    return this.collect(this.stub.health({ watch: false }, { deadline: this.deadline() }), healthReportFromWire).then((reports) => {
      const report = reports[0];
      if (!report) throw new AgentUnreachableError(this.target.host, `agent of ${this.target.host} ended the health call without a report; see its log`);
      return report;
    });
  }

  watchHealth(onReport: (report: AgentHealthReport) => void): HealthWatch {
    const call = this.stub.health({ watch: true });
    let first = true;
    let cancelled = false;
    // Silence past --timeout before the first report means nobody is there to answer.
    const firstTimer = setTimeout(() => call.cancel(), this.opts.timeoutMs);
    const done = new Promise<void>((resolve, reject) => {
      call.on('data', (wire) => {
        if (first) { first = false; clearTimeout(firstTimer); }
        try {
          onReport(healthReportFromWire(wire));
        } catch (e) {
          call.cancel();
          reject(this.malformed(e));
        }
      });
      call.on('error', (err: ServiceError) => {
        clearTimeout(firstTimer);
        if (cancelled && err.code === grpcStatus.CANCELLED) return resolve();
        if (first && err.code === grpcStatus.CANCELLED) {
          return reject(new AgentUnreachableError(this.target.host, `agent of ${this.target.host} at ${this.target.address}:${this.target.port}: no answer within ${this.opts.timeoutMs} ms (--timeout); is the host up and the port open?`));
        }
        reject(this.failure(err));
      });
      call.on('end', () => { clearTimeout(firstTimer); resolve(); });
    });
    return { done, cancel: () => { cancelled = true; call.cancel(); } };
  }

  status(): Promise<DirectorStatus> {
    return new Promise((resolve, reject) => {
      this.stub.status({}, { deadline: this.deadline() }, (err, reply) => {
        if (err) return reject(this.failure(err));
        try {
          return resolve(statusReplyFromWire(reply as StatusReply__Output));
        } catch (e) {
          return reject(this.malformed(e));
        }
      });
    });
  }

  connections(filter: Parameters<AgentReader['connections']>[0]): Promise<ConnectionEntry[]> {
    return this.collect(this.stub.connections(connectionsRequestToWire(filter), { deadline: this.deadline() }), connectionFromWire);
  }

  close(): void {
    this.stub.close();
  }

  private deadline(): number {
    return Date.now() + this.opts.timeoutMs;
  }

  private collect<W, T>(call: ClientReadableStream<W>, decode: (wire: W) => T): Promise<T[]> {
    return new Promise((resolve, reject) => {
      const items: T[] = [];
      let failed = false;
      call.on('data', (wire: W) => {
        if (failed) return;
        try {
          items.push(decode(wire));
        } catch (e) {
          failed = true;
          call.cancel();
          reject(this.malformed(e));
        }
      });
      call.on('error', (err: ServiceError) => { if (!failed) { failed = true; reject(this.failure(err)); } });
      call.on('end', () => { if (!failed) resolve(items); });
    });
  }

  private failure(err: ServiceError): Error {
    const failure = describeCallFailure(err, this.context);
    return failure.kind === 'unreachable'
      ? new AgentUnreachableError(this.target.host, failure.reason)
      : new AgentRefusedError(this.target.host, failure.reason);
  }

  private malformed(e: unknown): AgentUnreachableError {
    const what = e instanceof WireFieldError ? e.message : String(e);
    return new AgentUnreachableError(this.target.host, `agent of ${this.target.host} sent a malformed answer (${what}); is it the same lvsctl version?`);
  }
}

export function createGrpcReaderConnector(opts: GrpcConnectorOptions): AgentReaderConnector {
  return (target) => new GrpcAgentReader(target, opts);
}
