// The Agent gRPC service: the server that carries it authorizes each call as it arrives
// (refuse-before-reading.ts); the service validates what arrives and hands a valid plan to
// the injected HostApplier. No kernel logic lives here.
import type { VrrpSource } from '../../lvs/vrrp';
import type { DirectorPreconditions } from '../kernel/preconditions';
import { authReadOnce, callerOf, type CallerInfo } from './caller';
import { errorMessage } from '../../lvs/errors';
import { Metadata, Server, status, type ServerOptions, type ServerUnaryCall, type ServerWritableStream, type sendUnaryData } from '@grpc/grpc-js';
import type { Logger } from 'winston';
import type { ApplyEvent, ApplyMode, HostApplier, ReceivedRequest, ResultEvent } from '../../lvs/apply-events';
import type { HostPlan } from '../../lvs/host-plan';
import { GenerationFileError, type GenerationStore } from '../state/generation';
import type { AgentHandlers } from '../../proto/generated/lvsctl/v1/Agent';
import type { HelloReply } from '../../proto/generated/lvsctl/v1/HelloReply';
import type { HelloRequest__Output } from '../../proto/generated/lvsctl/v1/HelloRequest';
import type { StatusReply } from '../../proto/generated/lvsctl/v1/StatusReply';
import type { StatusRequest__Output } from '../../proto/generated/lvsctl/v1/StatusRequest';
import { WireFieldError } from '../../lvs/wire/checks';
import { ROLE, wireName, type AgentRole } from '../../lvs/wire/enum-names';
import { decodeApplyRequest, rawApplyMethod } from '../../lvs/wire/apply-request-codec';
import { DecodedServices } from '../../lvs/wire/decoded-services';
import { MessageDecodeError } from '../../lvs/wire/sliced-message-codec';
import { runSliced } from '../../lvs/yield-point';
import { loadAgentProto } from '../../lvs/wire/proto-loader';
import { statusReplyToWire } from '../../lvs/wire/status-encode';
import { SerialQueue } from '../../lvs/serial-queue';
import type { AuthorizationPolicy } from './authorize';
import { refuseBeforeReading } from './refuse-before-reading';
import { ApplyEventSender } from './apply-event-sender';
import { performance } from 'node:perf_hooks';
import { startWorkCost, type WorkCost } from '../work-cost';
import { gcSpan, type GcSpan } from '../gc-clock';
import type { IdleCollector } from '../idle-collect';
import { callError, type CallError } from './call-errors';
import type { StatusSource } from '../../lvs/status';
import type { HealthSource } from '../health/health-source';
import type { Clock } from '../clock';
import { serveConnections, type ConnectionsSource } from './connections-call';
import { HealthCalls } from './health-call';
import type { ConnectionsRequest__Output } from '../../proto/generated/lvsctl/v1/ConnectionsRequest';
import type { Connection } from '../../proto/generated/lvsctl/v1/Connection';
import type { HealthRequest__Output } from '../../proto/generated/lvsctl/v1/HealthRequest';
import type { HealthReport } from '../../proto/generated/lvsctl/v1/HealthReport';

/** The generation's record (recordGeneration): its time in ms, or why it failed. */
type GenerationRecorded = { ms: number } | { error: unknown };

export interface AgentIdentity {
  host: string;
  role: AgentRole;
  version: string;
  capabilities: string[];
}

export interface AgentServiceDeps {
  identity: AgentIdentity;
  /** the director applier or the realserver verifier, chosen by --role */
  applier: HostApplier;
  generations: GenerationStore;
  authorization: AuthorizationPolicy;
  logger: Logger;
  /** a director's kernel preconditions: asked when a read fails, so the answer names the fix */
  preconditions?: DirectorPreconditions;
  /** a director's live table; absent = Status answers UNIMPLEMENTED */
  status?: StatusSource;
  /** the director's health rows or the realserver's own checks; absent = Health answers UNIMPLEMENTED */
  health?: HealthSource;
  /** a director's VRRP read-back (keepalived); absent = none reported */
  vrrp?: VrrpSource;
  /** a director's connection table; absent = Connections answers UNIMPLEMENTED */
  connections?: ConnectionsSource;
  /** a director's: a hello said an apply follows (HelloRequest.apply_follows); absent = ignored */
  applyAnnounced?: () => void;
  /** told when each apply starts and ends: collects the garbage a big one left once the agent is idle */
  idleCollector?: Pick<IdleCollector, 'busy' | 'idle' | 'cancel' | 'stop'>;
  /** Health watch tuning (tests shorten the heartbeat) */
  healthWatch?: { heartbeatMs?: number; maxWatches?: number; clock?: Clock };
}

/** Thrown inside an apply task to end the call with a chosen status. */
class ApplyRefused extends Error {
  constructor(readonly error: CallError) {
    super(error.details);
  }
}

/** A queued apply refused because the agent is stopping. */
class QueueClosedError extends Error {
  constructor() {
    super('the agent is shutting down; run the rollout again once it is back');
  }
}

export class AgentService {
  private readonly queue = new SerialQueue();
  /** the last request's services: a re-applied plan's unchanged services are not decoded again (lvs/wire/decoded-services.ts) */
  private readonly decodedServices = new DecodedServices();
  private readonly healthCalls: HealthCalls;
  /** the generation of the apply running now, if any: an apply that must wait says behind which */
  private inFlight: number | undefined;

  constructor(private readonly deps: AgentServiceDeps) {
    this.healthCalls = new HealthCalls({
      host: deps.identity.host, role: deps.identity.role, logger: deps.logger,
      ...(deps.health ? { source: deps.health } : {}), ...(deps.vrrp ? { vrrp: deps.vrrp } : {}), ...deps.healthWatch,
    });
  }

  /**
   * A gRPC server carrying this service, every call of which is authorized as its headers
   * arrive, before its request is read: there is no server with the service and without that.
   */
  createServer(options: ServerOptions): Server {
    const refusals = refuseBeforeReading(this.deps.authorization, (method, call, error) => { this.logRefusal(method, call, error); });
    const server = new Server({ ...options, interceptors: [refusals, ...(options.interceptors ?? [])] });
    const handlers: AgentHandlers = {
      Hello: (call, callback) => this.hello(call, callback),
      // The request arrives as bytes, apply() decodes it in slices (lvs/wire/apply-request-codec.ts);
      // its events leave as bytes (apply-event-sender.ts).
      Apply: (call) => void this.apply(call as unknown as ServerWritableStream<Buffer, Buffer>),
      Status: (call, callback) => void this.status(call, callback),
      Health: (call) => void this.health(call),
      Connections: (call) => void this.connections(call),
    };
    const service = loadAgentProto().lvsctl.v1.Agent.service;
    server.addService({ ...service, Apply: rawApplyMethod(service.Apply) }, handlers);
    return server;
  }

  /** applies accepted and waiting behind the one in flight */
  get waitingApplies(): number {
    return this.queue.queued;
  }

  /** Stop taking applies: the one in flight finishes, queued ones are refused. */
  drain(): Promise<void> {
    // Health watches would hold the server open for ever: they end now, the client sees the stream close.
    this.healthCalls.endAll();
    this.queue.close(() => new QueueClosedError());
    this.deps.idleCollector?.stop();
    return this.queue.idle();
  }

  private hello(call: ServerUnaryCall<HelloRequest__Output, HelloReply>, callback: sendUnaryData<HelloReply>): void {
    const { host, role, version, capabilities } = this.deps.identity;
    // checked first: winston formats a line before it drops one below its level
    if (this.deps.logger.isDebugEnabled()) this.deps.logger.debug('hello', { peer: call.getPeer(), controllerVersion: call.request.controllerVersion, applyFollows: call.request.applyFollows });
    callback(null, { host, role: wireName(ROLE, role), version, capabilities });
    // after the answer: the check it starts is queued behind any write, never in the hello's way
    if (call.request.applyFollows) {
      this.deps.applyAnnounced?.();
      // the plan is on its way: a collection once idle now would only hold it up
      this.deps.idleCollector?.cancel();
    }
  }

  private async status(call: ServerUnaryCall<StatusRequest__Output, StatusReply>, callback: sendUnaryData<StatusReply>): Promise<void> {
    if (this.deps.identity.role !== 'director') {
      return callback(callError(status.FAILED_PRECONDITION, 'this agent is a realserver: only a director has an IPVS table to report'));
    }
    if (!this.deps.status) {
      return callback(callError(status.UNIMPLEMENTED, 'this agent has no IPVS status reader yet (a later lvsctl release adds it)'));
    }
    try {
      const [services, vrrp] = await Promise.all([this.deps.status.read(), this.deps.vrrp?.read().catch(() => undefined)]);
      return callback(null, statusReplyToWire(this.deps.identity.host, services, vrrp));
    } catch (err) {
      const unmet = await this.unmetPreconditions();
      if (unmet) return callback(this.logRefusal('status', call, callError(status.FAILED_PRECONDITION, unmet)));
      this.deps.logger.error('status failed', { ...callerOf(call, this.deps.authorization.tls), error: errorMessage(err) });
      return callback(callError(status.INTERNAL, `reading the IPVS table failed: ${errorMessage(err)}`));
    }
  }

  /**
   * Why the director cannot read or change its kernel (no IPVS, no ipvsadm, not root), with
   * each fix, as a rollout would say it; undefined when every precondition holds.
   */
  private async unmetPreconditions(): Promise<string | undefined> {
    const problems = await this.deps.preconditions?.check().catch(() => []) ?? [];
    return problems.length > 0 ? problems.map((p) => `${p.message} (fix: ${p.fix})`).join('; ') : undefined;
  }

  private async health(call: ServerWritableStream<HealthRequest__Output, HealthReport>): Promise<void> {
    const refuse = (error: CallError): void => { call.emit('error', this.logRefusal('health', call, error)); };
    await this.healthCalls.handle(call, refuse);
  }

  private async connections(call: ServerWritableStream<ConnectionsRequest__Output, Connection>): Promise<void> {
    const refuse = (error: CallError): void => { call.emit('error', this.logRefusal('connections', call, error)); };
    await serveConnections(call, {
      role: this.deps.identity.role, logger: this.deps.logger, unmetPreconditions: () => this.unmetPreconditions(),
      ...(this.deps.connections ? { source: this.deps.connections } : {}),
    }, refuse);
  }

  private async apply(call: ServerWritableStream<Buffer, Buffer>): Promise<void> {
    // one read of the client certificate for every audit line of this call
    const caller = authReadOnce(call);
    // Headers now tell the controller the plan arrived, so its --timeout covers only "is
    // anyone there", not decoding a big plan or the wait behind another apply. A refusal
    // still ends the call with its status.
    call.sendMetadata(new Metadata());
    // From the plan's arrival to the end of its apply, the collection once idle waits: the
    // decode of a 20,000-service plan yields to the event loop for seconds.
    this.deps.idleCollector?.busy();
    try {
      await this.decodeAndApply(call, caller);
    } finally {
      this.deps.idleCollector?.idle();
    }
  }

  private async decodeAndApply(call: ServerWritableStream<Buffer, Buffer>, caller: CallerInfo): Promise<void> {
    const request = await this.parseRequest(call.request);
    if ('code' in request) return this.endWith(call, caller, request);
    const { plan, mode, stepBatches, omitDiff, decode } = request;
    if (this.inFlight !== undefined) {
      // The audit trail shows two controllers at once: the second waits its turn, never interleaved.
      this.deps.logger.info('apply waiting for the one in flight', {
        ...callerOf(caller, this.deps.authorization.tls), host: plan.host, generation: plan.generation, mode, behind: this.inFlight,
      });
    }
    try {
      await this.queue.run(async () => {
        this.inFlight = plan.generation;
        try {
          await this.applyInTurn(call, caller, plan, mode, stepBatches, omitDiff, decode);
        } finally {
          this.inFlight = undefined;
        }
      });
      call.end();
    } catch (err) {
      const asked = { generation: plan.generation, mode };
      if (err instanceof ApplyRefused) return this.endWith(call, caller, err.error, asked);
      if (err instanceof QueueClosedError) return this.endWith(call, caller, callError(status.UNAVAILABLE, err.message), asked);
      this.deps.logger.error('apply failed unexpectedly', { ...callerOf(caller, this.deps.authorization.tls), host: plan.host, generation: plan.generation, mode, error: errorMessage(err) });
      return this.endWith(call, caller, callError(status.INTERNAL, `the agent failed unexpectedly: ${err instanceof Error ? err.message : String(err)}`));
    }
  }

  /**
   * The request as domain values, or why it is refused before waiting in the queue; decode:
   * what the decode cost (its wall time holds the other calls answered between its slices).
   */
  private async parseRequest(bytes: Buffer): Promise<{ plan: HostPlan; mode: ApplyMode; stepBatches: boolean; omitDiff: boolean; decode: WorkCost } | CallError> {
    let plan: HostPlan;
    let mode: ApplyMode;
    let stepBatches: boolean;
    let omitDiff: boolean;
    const decodeCost = startWorkCost();
    try {
      ({ plan, mode, stepBatches, omitDiff } = await runSliced(decodeApplyRequest(bytes, this.decodedServices)));
    } catch (err) {
      if (err instanceof MessageDecodeError) return callError(status.INVALID_ARGUMENT, `invalid apply request: ${err.message}`);
      if (err instanceof WireFieldError) {
        return callError(status.INVALID_ARGUMENT, `${err.path === 'mode' ? 'invalid apply request' : 'invalid host plan'}: ${err.message}`);
      }
      throw err;
    }
    const role = this.deps.identity.role;
    if (plan.role !== role) {
      return callError(
        status.FAILED_PRECONDITION,
        `this agent is a ${role} but was sent a ${plan.role} plan for host "${plan.host}": ` +
          `check the host's role and address in the plan, or start this agent with --role ${plan.role}`,
      );
    }
    return { plan, mode, stepBatches, omitDiff, decode: decodeCost() };
  }

  /** stepBatches: the controller takes StepBatch events; omitDiff: it shows no --diff text (its request said so); decode: its cost, for the log */
  private async applyInTurn(
    call: ServerWritableStream<Buffer, Buffer>, caller: CallerInfo, plan: HostPlan, mode: ApplyMode, stepBatches: boolean, omitDiff: boolean, decode: WorkCost,
  ): Promise<void> {
    const received = { bytes: call.request, omitDiff };
    const last = await this.deps.generations.lastApplied().catch((err: unknown) => {
      if (err instanceof GenerationFileError) throw new ApplyRefused(callError(status.FAILED_PRECONDITION, err.message));
      throw err;
    });
    if (last !== undefined && plan.generation < last) {
      throw new ApplyRefused(
        callError(
          status.ABORTED,
          `plan generation ${plan.generation} is older than generation ${last} already applied on this host: ` +
            'another rollout got here first; compile the plan again and roll out the newer generation',
        ),
      );
    }
    // The audit trail: who asked, for what, and (below) how it ended.
    const log = { ...callerOf(caller, this.deps.authorization.tls), host: plan.host, generation: plan.generation, mode };
    // the request's decode, which came before this line (and before any wait in the queue): its
    // time, and the CPU and fresh memory behind it (a 2,000-service plan's, 1.5 s in the lab)
    this.deps.logger.info('apply started', { ...log, decodeMs: decode.ms, decodeCpuMs: decode.cpuMs, decodePageFaults: decode.pageFaults });
    const collector = gcSpan();
    try {
      await this.applyAndReport(call, plan, mode, stepBatches, received, log, collector);
    } finally {
      collector.end(); // a failed apply's span is closed too
    }
  }

  /** The apply itself, its record, the result sent and the audit line; `collector` times V8's collections in it. */
  private async applyAndReport(
    call: ServerWritableStream<Buffer, Buffer>, plan: HostPlan, mode: ApplyMode, stepBatches: boolean,
    received: ReceivedRequest, log: Record<string, unknown>, collector: GcSpan,
  ): Promise<void> {
    // A controller killed or cut off mid-apply does not stop it: the kernel is changed whole
    // (or rolled back) either way, never left half-way because the stream went.
    const controllerGone = (): void => {
      this.deps.logger.warn('the controller went away mid-apply; the apply goes on to its end on its own', log);
    };
    call.once('cancelled', controllerGone);
    // The result is held back until the agent's own record of the apply is done (the plan kept
    // for health and handed over, in the applier's wrapping; the generation, below): a
    // controller that has the result, and a `lvsctl health` or `status` run right after it,
    // find the agent at rest with the new plan, never still taking it in.
    let held: ResultEvent | undefined;
    // The generation is written as soon as the applier says the kernel holds the plan: beside
    // the applier's own wrapping (the last-plan file, the health hand-over), so the two files'
    // fsyncs overlap instead of following each other. Its failure is met below, once the apply returned.
    let recording: Promise<GenerationRecorded> | undefined;
    // A check changes nothing, and a failed apply was rolled back: neither is "applied".
    const applied = (outcome: ResultEvent['outcome']): boolean => mode === 'apply' && outcome !== 'failed';
    const sender = new ApplyEventSender((bytes) => { if (!call.cancelled) call.write(bytes); }, stepBatches);
    const emit = (event: ApplyEvent): void => {
      if (held) return; // the result closes the stream: nothing may follow it
      if (event.kind === 'result') {
        held = event;
        if (applied(event.outcome)) recording = this.recordGeneration(plan.generation);
      } else sender.send(event);
    };
    let result: ResultEvent;
    try {
      result = await this.deps.applier.apply(plan, mode, emit, received);
    } catch (error) {
      // what the kernel holds, when the applier had said it, goes out before the failure (its
      // generation, once said, is still written: the kernel holds that plan)
      if (held) sender.send(held);
      await recording;
      throw error;
    } finally {
      sender.flush();
      call.off('cancelled', controllerGone);
    }
    // an applier that only returned its result has its generation written now
    let recordMs: number | undefined;
    if (applied(result.outcome)) recording ??= this.recordGeneration(plan.generation);
    if (recording) {
      const recorded = await recording;
      if ('error' in recorded) {
        // the kernel holds the plan: the controller is told so, then that the agent failed
        sender.send(held ?? result);
        throw recorded.error;
      }
      recordMs = recorded.ms;
    }
    sender.send(held ?? result);
    this.deps.logger.info('apply finished', {
      ...log, outcome: result.outcome, changed: result.changed,
      // the generation written to --state-dir, from the applier's result on, beside the last-plan
      // file and the hand-over (those are in the applier's own lines)
      ...(recordMs !== undefined ? { recordMs } : {}),
      // of the whole span, the collector's share (it runs inside the parts, never beside them)
      gcMs: Math.round(collector.end()),
      ...(call.cancelled ? { controllerGone: true } : {}),
    });
  }

  /**
   * Writes the generation to --state-dir: how long that took, or why it failed. Never rejects:
   * it runs while the apply goes on, and a rejection nobody awaits yet would end the process.
   */
  private async recordGeneration(generation: number): Promise<GenerationRecorded> {
    const started = performance.now();
    try {
      await this.deps.generations.record(generation);
    } catch (error) {
      return { error };
    }
    return { ms: Math.round(performance.now() - started) };
  }

  /** Ends the call refused; `asked` is what the request asked for, once it decoded. */
  private endWith(call: ServerWritableStream<Buffer, Buffer>, caller: CallerInfo, error: CallError, asked: { generation?: number; mode?: ApplyMode } = {}): void {
    call.emit('error', this.logRefusal('apply', caller, error, asked));
  }

  /** Every refusal is logged with who was refused and why: part of the audit trail. */
  private logRefusal(method: string, call: CallerInfo, error: CallError, asked: Record<string, unknown> = {}): CallError {
    this.deps.logger.warn(`${method} refused`, { ...callerOf(call, this.deps.authorization.tls), ...asked, code: status[error.code], details: error.details });
    return error;
  }

}
