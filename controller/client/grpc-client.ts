// AgentClient over gRPC: one channel per agent, deadlines on every call, failures turned
// into AgentUnreachableError (could not ask) or a failed result (the agent said no).
import { checkServerIdentity, type PeerCertificate } from 'tls';
import { isIP } from 'net';
import { credentials, type ChannelCredentials, type ServiceError } from '@grpc/grpc-js';
import type { ApplyEvent, ApplyMode, ResultEvent } from '../../lvs/apply-events';
import type { HostPlan } from '../../lvs/host-plan';
import { applyEventFromWire } from '../../lvs/wire/apply-event-codec';
import { WireFieldError, boundedList, boundedString, enumValue } from '../../lvs/wire/checks';
import { APPLY_MODE, ROLE, wireName } from '../../lvs/wire/enum-names';
import { hostPlanToWire } from '../../lvs/wire/host-plan-encode';
import { CLIENT_OPTIONS } from '../../lvs/wire/limits';
import { loadAgentProto } from '../../lvs/wire/proto-loader';
import type { AgentClient as WireAgentClient } from '../../proto/generated/lvsctl/v1/Agent';
import type { HelloReply__Output } from '../../proto/generated/lvsctl/v1/HelloReply';
import { VERSION } from '../../lvs/version';
import { AgentUnreachableError, type AgentClient, type AgentConnector, type AgentIdentity } from './agent-client';
import { describeCallFailure, type CallContext } from './call-failure';
import type { ClientTls } from './tls-options';

export interface GrpcConnectorOptions {
  tls: ClientTls;
  /** how long an agent may take to answer a call (--timeout) */
  timeoutMs: number;
  /** how long a whole apply may run once the agent accepted it; default 30 minutes */
  applyTimeoutMs?: number;
}

const DEFAULT_APPLY_TIMEOUT_MS = 30 * 60 * 1000;

type Target = { host: string; address: string; port: number };

/**
 * The agent's certificate must name the address we dial (an IP SAN) or the plan's host
 * name (a DNS SAN): the first that matches wins; otherwise the address's error is kept.
 */
function channelCredentials(tls: ClientTls, target: Target): ChannelCredentials {
  if (tls.kind === 'insecure') return credentials.createInsecure();
  return credentials.createSsl(tls.material.ca, tls.material.key, tls.material.cert, {
    checkServerIdentity: (_servername: string, cert: PeerCertificate) => {
      const byAddress = checkServerIdentity(target.address, cert);
      if (!byAddress) return undefined;
      return checkServerIdentity(target.host, cert) ? byAddress : undefined;
    },
  });
}

function dialTarget(target: Target): string {
  return isIP(target.address) === 6 ? `[${target.address}]:${target.port}` : `${target.address}:${target.port}`;
}

function identityFromWire(reply: HelloReply__Output): AgentIdentity {
  return {
    host: boundedString(reply.host, 'host', { max: 253 }),
    role: enumValue(reply.role, ROLE, 'role'),
    version: boundedString(reply.version, 'version', { max: 64 }),
    capabilities: boundedList(reply.capabilities, 'capabilities', 64).map((c, i) => boundedString(c, `capabilities[${i}]`, { max: 64 })),
  };
}

/** A stub to one agent with the channel options and TLS identity check every call uses. */
export function openAgentStub(target: Target, opts: GrpcConnectorOptions): WireAgentClient {
  const Agent = loadAgentProto().lvsctl.v1.Agent;
  // TLS server name (SNI) = the plan's host name: an IP address there is not allowed (RFC 6066).
  // The certificate check itself is channelCredentials' and accepts the address or the name.
  const options = opts.tls.kind === 'mtls' ? { ...CLIENT_OPTIONS, 'grpc.ssl_target_name_override': target.host } : CLIENT_OPTIONS;
  return new Agent(dialTarget(target), channelCredentials(opts.tls, target), options);
}

class GrpcAgentClient implements AgentClient {
  private readonly stub: WireAgentClient;
  private readonly context: CallContext;

  constructor(private readonly target: Target, private readonly opts: GrpcConnectorOptions) {
    this.stub = openAgentStub(target, opts);
    this.context = { ...target, timeoutMs: opts.timeoutMs, tls: opts.tls };
  }

  hello(): Promise<AgentIdentity> {
    return new Promise((resolve, reject) => {
      const deadline = Date.now() + this.opts.timeoutMs;
      this.stub.hello({ controllerVersion: VERSION }, { deadline }, (err, reply) => {
        if (err) return reject(this.unreachable(err));
        try {
          return resolve(identityFromWire(reply as HelloReply__Output));
        } catch (e) {
          return reject(this.malformed(e));
        }
      });
    });
  }

  apply(plan: HostPlan, mode: ApplyMode, onEvent: (event: ApplyEvent) => void): Promise<ResultEvent> {
    return new Promise((resolve, reject) => {
      const call = this.stub.apply(
        { mode: wireName(APPLY_MODE, mode), plan: hostPlanToWire(plan) },
        { deadline: Date.now() + (this.opts.applyTimeoutMs ?? DEFAULT_APPLY_TIMEOUT_MS) },
      );
      let settled = false;
      let result: ResultEvent | undefined;
      const finish = (outcome: () => void): void => {
        clearTimeout(answerTimer);
        if (!settled) {
          settled = true;
          outcome();
        }
      };
      // The agent sends headers as soon as it accepted the plan (even while it waits for
      // another apply); silence past --timeout means it is not there to answer.
      const answerTimer = setTimeout(() => {
        call.cancel();
        finish(() => reject(new AgentUnreachableError(this.target.host,
          `agent of ${this.target.host} at ${dialTarget(this.target)}: no answer within ${this.opts.timeoutMs} ms (--timeout); is the host up and the port open?`)));
      }, this.opts.timeoutMs);
      call.on('metadata', () => clearTimeout(answerTimer));
      call.on('data', (wire) => {
        clearTimeout(answerTimer);
        if (settled) return;
        try {
          const event = applyEventFromWire(wire);
          if (event.kind === 'result') result = event;
          onEvent(event);
        } catch (e) {
          call.cancel();
          finish(() => reject(this.malformed(e)));
        }
      });
      call.on('error', (err: ServiceError) => {
        const failure = describeCallFailure(err, this.context);
        if (failure.kind === 'unreachable') return finish(() => reject(new AgentUnreachableError(this.target.host, failure.reason)));
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
    this.stub.close();
  }

  private unreachable(err: ServiceError): AgentUnreachableError {
    return new AgentUnreachableError(this.target.host, describeCallFailure(err, this.context).reason);
  }

  private malformed(e: unknown): AgentUnreachableError {
    const what = e instanceof WireFieldError ? e.message : String(e);
    return new AgentUnreachableError(this.target.host, `agent of ${this.target.host} sent a malformed answer (${what}); is it the same lvsctl version?`);
  }
}

export function createGrpcConnector(opts: GrpcConnectorOptions): AgentConnector {
  return (target) => new GrpcAgentClient(target, opts);
}
