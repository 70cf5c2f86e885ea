// AgentClient over gRPC: one channel per agent, a bound on every call (--timeout for an
// answer, the command's deadline for a whole apply), failures turned into
// AgentUnreachableError (could not ask, or the stream stopped) or a failed result (the
// agent said no).
import { Metadata, status, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import type { ApplyEvent, ApplyMode, ResultEvent } from '../../lvs/apply-events';
import type { HostPlan } from '../../lvs/host-plan';
import { decodeApplyEvents } from '../../lvs/wire/apply-event-codec';
import { WireFieldError, boundedList, boundedString, enumValue } from '../../lvs/wire/checks';
import { ROLE } from '../../lvs/wire/enum-names';
import { encodeApplyRequest } from '../../lvs/wire/apply-request-codec';
import { MAX_APPLY_STREAM_BYTES, MAX_APPLY_STREAM_EVENTS, MAX_MESSAGE_BYTES } from '../../lvs/wire/limits';
import { loadAgentProto } from '../../lvs/wire/proto-loader';
import { runSliced, type Pausable } from '../../lvs/yield-point';
import type { HelloReply__Output } from '../../proto/generated/lvsctl/v1/HelloReply';
import { VERSION } from '../../lvs/version';
import { AgentUnreachableError, type AgentClient, type AgentConnector, type AgentIdentity } from './agent-client';
import { AgentChannel, channelExtras, type KeepaliveTimings, type Target } from './agent-channel';
import { connectionDropped, describeCallFailure, protocolBreak, where, wireReason, type CallContext } from './call-failure';
import type { ConnectionTrace } from './connection-trace';
import { answerLimit, deadlinePassed, streamLimit, type CallLimit } from './call-limit';
import type { CommandDeadline } from './command-deadline';
import { StreamProgress } from './stream-progress';
import type { ClientTls } from './tls-options';

export interface GrpcConnectorOptions {
  tls: ClientTls;
  /** how long an agent may take to answer a call, and to connect (--timeout) */
  timeoutMs: number;
  /** every call of the command ends by then (--deadline) */
  deadline?: CommandDeadline;
  /** without a command deadline: how long a whole apply may run once accepted; default 30 minutes */
  applyTimeoutMs?: number;
  /** LVSCTL_TRACE: marks the request encoded and the agent's headers (it took the request) */
  trace?: (what: string, host: string) => void;
  /** the command shows no --diff text: the agent is asked not to make one (ApplyRequest.omit_diff) */
  omitDiff?: boolean;
  /** other keepalive ping timings than lvs/wire/limits.ts' (tests) */
  keepalive?: KeepaliveTimings;
  /** told when each agent's certificate expires, as its connection opens (certificate-expiry-warnings.ts) */
  agentCertificateSeen?: (host: string, notAfter: Date) => void;
  /** other bounds of one apply's stream than lvs/wire/limits.ts' (tests) */
  applyStream?: { bytes: number; events: number };
}

const DEFAULT_APPLY_TIMEOUT_MS = 30 * 60 * 1000;

function identityFromWire(reply: HelloReply__Output): AgentIdentity {
  return {
    host: boundedString(reply.host, 'host', { max: 253 }),
    role: enumValue(reply.role, ROLE, 'role'),
    version: boundedString(reply.version, 'version', { max: 64 }),
    capabilities: boundedList(reply.capabilities, 'capabilities', 64).map((c, i) => boundedString(c, `capabilities[${i}]`, { max: 64 })),
  };
}

/** The fingerprint of the certificate the agent presented on the connection the last answer came over. */
function presentedCertificate(trace: ConnectionTrace): string | undefined {
  const state = trace.lastConnected()?.state;
  return state?.stage === 'open' || state?.stage === 'closed' ? state.peerCertificateSha256 : undefined;
}

class GrpcAgentClient implements AgentClient {
  private readonly channel: AgentChannel;
  private readonly context: CallContext;
  /** the request prepare() started encoding: apply() takes it for the same plan object and mode */
  private prepared: { plan: HostPlan; mode: ApplyMode; request: Promise<Buffer> } | undefined;
  private closed = false;

  constructor(private readonly target: Target, private readonly opts: GrpcConnectorOptions) {
    this.channel = new AgentChannel(target, opts.tls, opts.timeoutMs, channelExtras(target, opts));
    this.context = { ...target, tls: opts.tls, trace: this.channel.trace };
  }

  hello(options: { applyFollows?: boolean } = {}): Promise<AgentIdentity> {
    if (deadlinePassed(Date.now(), this.opts.deadline)) return Promise.reject(this.tooLate('not asked'));
    const limit = answerLimit(Date.now(), this.opts.timeoutMs, this.opts.deadline);
    return new Promise((resolve, reject) => {
      this.channel.track(this.channel.stub.hello({ controllerVersion: VERSION, applyFollows: options.applyFollows === true }, { deadline: limit.at }, (err, reply) => {
        if (err) return reject(new AgentUnreachableError(this.target.host, describeCallFailure(err, this.context, limit).reason));
        try {
          const presented = presentedCertificate(this.channel.trace);
          return resolve({ ...identityFromWire(reply as HelloReply__Output), ...(presented !== undefined ? { certificateSha256: presented } : {}) });
        } catch (e) {
          return reject(this.malformed(e));
        }
      }));
    });
  }

  prepare(plan: HostPlan, mode: ApplyMode): Promise<void> {
    const request = this.encode(plan, mode);
    this.prepared = { plan, mode, request };
    // a failure surfaces when apply() awaits it, as an encoding in apply() would
    return request.then(() => undefined, () => undefined);
  }

  async apply(plan: HostPlan, mode: ApplyMode, onEvent: (event: ApplyEvent) => void): Promise<ResultEvent> {
    if (deadlinePassed(Date.now(), this.opts.deadline)) throw this.tooLate('not applied');
    const prepared = this.prepared;
    this.prepared = undefined;
    const request = await (prepared && prepared.plan === plan && prepared.mode === mode ? prepared.request : this.encode(plan, mode));
    if (deadlinePassed(Date.now(), this.opts.deadline)) throw this.tooLate('not applied');
    const now = Date.now();
    const answer = answerLimit(now, this.opts.timeoutMs, this.opts.deadline);
    const whole = streamLimit(now, this.opts.applyTimeoutMs ?? DEFAULT_APPLY_TIMEOUT_MS, this.opts.deadline);
    return new Promise((resolve, reject) => {
      const call = this.channel.track(this.startApply(request, whole.at));
      const progress = new StreamProgress();
      let answered = false;
      let settled = false;
      let result: ResultEvent | undefined;
      let afterResult: NodeJS.Timeout | undefined;
      const finish = (outcome: () => void): void => {
        clearTimeout(answerTimer);
        clearTimeout(afterResult);
        if (!settled) {
          settled = true;
          outcome();
        }
      };
      const unreachable = (reason: string): void => finish(() => reject(new AgentUnreachableError(this.target.host, reason)));
      // The agent sends headers as soon as it accepted the plan (even while it waits for
      // another apply); silence past --timeout means it is not there to answer.
      const answerTimer = setTimeout(() => {
        call.cancel();
        unreachable(this.silence(answer));
      }, Math.max(0, answer.at - Date.now()));
      const heard = (): void => {
        answered = true;
        clearTimeout(answerTimer);
      };
      call.on('metadata', () => {
        this.opts.trace?.('apply headers received', this.target.host);
        heard();
      });
      const streamBound = this.opts.applyStream ?? { bytes: MAX_APPLY_STREAM_BYTES, events: MAX_APPLY_STREAM_EVENTS };
      let streamedBytes = 0;
      let streamedEvents = 0;
      call.on('data', (bytes: Buffer) => {
        heard();
        if (settled) return;
        streamedBytes += bytes.length;
        if (streamedBytes > streamBound.bytes) return this.overflowed(call, finish, reject, `more than ${(streamBound.bytes / 1048576).toFixed(0)} MiB`);
        try {
          // one event, or a batch of steps handed on one by one, as if each had come alone
          for (const event of decodeApplyEvents(bytes)) {
            if (++streamedEvents > streamBound.events) return this.overflowed(call, finish, reject, `more than ${streamBound.events.toLocaleString('en-US')} events`);
            progress.saw(event);
            if (event.kind === 'result') {
              result = event;
              // the result is the agent's last word: a stream it then leaves open (a broken or
              // hostile peer) ends within --timeout with that result, not at the deadline
              const kept = event;
              afterResult ??= setTimeout(() => {
                call.cancel();
                finish(() => resolve(kept));
              }, Math.max(0, answerLimit(Date.now(), this.opts.timeoutMs, this.opts.deadline).at - Date.now()));
            }
            onEvent(event);
          }
        } catch (e) {
          call.cancel();
          finish(() => reject(this.malformed(e)));
        }
      });
      call.on('error', (err: ServiceError) => {
        // the result is the agent's last word: a stream that breaks after it (reset, dropped)
        // changes nothing of what was applied
        if (result) {
          const kept = result;
          return finish(() => resolve(kept));
        }
        // Accepted, then cut off (deadline, connection gone): not the agent's answer.
        const dropped = this.channel.trace.lastConnected()?.state.stage === 'closed' || connectionDropped(err);
        // a stream the agent broke off (RST_STREAM) once events came: mid-apply like a dropped connection
        const brokeOff = progress.events > 0 && protocolBreak(err);
        if (answered && (err.code === status.DEADLINE_EXCEEDED || dropped || brokeOff)) return unreachable(this.stopped(err, progress, whole, mode));
        const failure = describeCallFailure(err, this.context, answer);
        if (failure.kind === 'unreachable') return unreachable(failure.reason);
        // The agent answered and refused the plan (bad field, wrong role, stale generation):
        // that host failed, and the rollout shows why like any other failed result.
        const refused: ResultEvent = { kind: 'result', outcome: 'failed', changed: 0, message: failure.reason };
        finish(() => {
          onEvent(refused);
          resolve(refused);
        });
      });
      call.on('end', () => {
        finish(() => {
          if (result) return resolve(result);
          return reject(new AgentUnreachableError(this.target.host, `agent of ${this.target.host} closed the apply stream without a result; see its log`));
        });
      });
    });
  }

  close(): void {
    // a request prepared for a host that was never applied (failed, skipped) stops encoding
    this.closed = true;
    this.prepared = undefined;
    this.channel.close();
  }

  /**
   * Encoded in slices: a 20,000-service plan takes seconds, and the other agents' streams of
   * this rollout keep moving meanwhile. The bounds start once the bytes are ready. It takes
   * steps in batches (decodeApplyEvents): an agent that knows them sends them so.
   */
  private async encode(plan: HostPlan, mode: ApplyMode): Promise<Buffer> {
    const request = await runSliced(this.untilClosed(encodeApplyRequest(mode, plan, true, this.opts.omitDiff === true)));
    this.opts.trace?.(`request encoded (${request.length} bytes)`, this.target.host);
    // grpc-js would refuse to send it with a bare "larger than max"; the agent would refuse to take it
    if (request.length > MAX_MESSAGE_BYTES) {
      const mib = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MiB`;
      throw new Error(`${this.target.host}'s share of the plan encodes to ${mib(request.length)}, over the ${mib(MAX_MESSAGE_BYTES)} one request to an agent may be; not sent (split its services over director groups, or the cluster into several plans)`);
    }
    return request;
  }

  /**
   * The Apply call with the request already encoded (lvs/wire/apply-request-codec.ts), its
   * events left as bytes: decodeApplyEvents bounds a batch before decoding it.
   */
  private startApply(request: Buffer, deadline: number): ClientReadableStream<Buffer> {
    const method = loadAgentProto().lvsctl.v1.Agent.service.Apply;
    const passThrough = (bytes: Buffer): Buffer => bytes;
    return this.channel.stub.makeServerStreamRequest(method.path, passThrough, passThrough, request, new Metadata(), { deadline });
  }

  /** The steps, stopped once the client is closed. */
  private *untilClosed<T>(steps: Pausable<T>): Pausable<T> {
    for (;;) {
      if (this.closed) throw new AgentUnreachableError(this.target.host, `${where(this.context)}: closed before its request was sent`);
      const step = steps.next();
      if (step.done) return step.value;
      yield;
    }
  }

  /** No answer at all within the bound: what the wire shows of it. */
  private silence(limit: CallLimit): string {
    const attempt = this.channel.trace.latest();
    return (attempt && wireReason(attempt, this.context, limit)) ?? `${where(this.context)}: no answer ${limit.text}; is the host up and the port open?`;
  }

  /** The agent accepted the apply, then its stream ended without a result. */
  private stopped(err: ServiceError, progress: StreamProgress, whole: CallLimit, mode: ApplyMode): string {
    const connection = this.channel.trace.lastConnected();
    let cause: string;
    if (err.code === status.DEADLINE_EXCEEDED) {
      cause = `no result ${whole.text}; the agent may still be applying it`;
    } else if (connection?.state.stage === 'closed' || connectionDropped(err)) {
      // a socket still open here: keepalive pings went unanswered (a frozen agent or host, a cut network)
      const error = connection?.state.stage === 'closed' ? connection.state.error as NodeJS.ErrnoException | undefined : undefined;
      cause = `the connection dropped${error ? ` (${error.code ?? error.message})` : ''}: the agent stopped, froze or restarted, or the network between was cut? (see its log)`;
    } else {
      cause = `${status[err.code] ?? err.code}: ${err.details || err.message}`;
    }
    // A check changes nothing; an apply cut off may have changed part of the kernel.
    const next = mode === 'check' ? '' : '; part of the plan may be applied: see lvsctl status, then run lvsctl rollout again';
    return `${where(this.context)}: the apply stream stopped mid-apply ${progress.describe(Date.now())}: ${cause}${next}`;
  }

  private tooLate(what: string): AgentUnreachableError {
    return new AgentUnreachableError(this.target.host, `${where(this.context)}: ${what}: ${this.opts.deadline?.text ?? 'the deadline'} passed before its turn`);
  }

  /** An apply stream past MAX_APPLY_STREAM_BYTES or _EVENTS: no lvsctl agent sends that much. */
  private overflowed(call: { cancel(): void }, finish: (outcome: () => void) => void, reject: (error: Error) => void, what: string): void {
    call.cancel();
    finish(() => reject(new AgentUnreachableError(this.target.host,
      `agent of ${this.target.host} sent ${what} on one apply's stream, more than any apply makes; stopped listening (the apply may have changed part of the host: see its log, then lvsctl status)`)));
  }

  private malformed(e: unknown): AgentUnreachableError {
    const what = e instanceof WireFieldError ? e.message : String(e);
    return new AgentUnreachableError(this.target.host, `agent of ${this.target.host} sent a malformed answer (${what}); is it the same lvsctl version?`);
  }
}

export function createGrpcConnector(opts: GrpcConnectorOptions): AgentConnector {
  return (target) => new GrpcAgentClient(target, opts);
}
