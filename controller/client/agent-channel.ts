// One gRPC channel to one agent, owned whole: its stub, its connections (bounded and
// traced by BoundedCredentials) and the calls in flight on it. close() cancels those
// calls, closes the channel and ends every socket (a turn later, off the stack of a socket
// read), so nothing of it keeps the process up.
import { checkServerIdentity, createSecureContext, type PeerCertificate, type SecureContext } from 'tls';
import { isIP } from 'net';
import { credentials, type ChannelCredentials } from '@grpc/grpc-js';
import { CLIENT_OPTIONS } from '../../lvs/wire/limits';
import { loadAgentProto } from '../../lvs/wire/proto-loader';
import type { AgentClient as WireAgentClient } from '../../proto/generated/lvsctl/v1/Agent';
import { BoundedCredentials } from './bounded-credentials';
import { ConnectionTrace } from './connection-trace';
import type { ClientTls } from './tls-options';
import type { TlsMaterial } from '../../lvs/wire/tls-files';

export type Target = { host: string; address: string; port: number };

/** How often the channel pings an agent while a call is open, and how soon the answer must come. */
export interface KeepaliveTimings {
  pingEveryMs: number;
  answerWithinMs: number;
}

export interface AgentChannelExtras {
  /** other ping timings than CLIENT_OPTIONS' (tests of a frozen agent) */
  keepalive?: KeepaliveTimings;
  /** told when the certificate the agent presented expires, at each connection */
  certificateSeen?: (notAfter: Date) => void;
}

/** A channel's extras from a connector's options: the host named to its certificate observer. */
export function channelExtras(
  target: Target, opts: { keepalive?: KeepaliveTimings; agentCertificateSeen?: (host: string, notAfter: Date) => void },
): AgentChannelExtras {
  const seen = opts.agentCertificateSeen;
  return {
    ...(opts.keepalive ? { keepalive: opts.keepalive } : {}),
    ...(seen ? { certificateSeen: (notAfter: Date) => seen(target.host, notAfter) } : {}),
  };
}

/** Anything grpc-js returns for a call: it can be cancelled and reports its end as 'status'. */
interface Cancellable {
  cancel(): void;
  once(event: 'status', listener: () => void): unknown;
}

/**
 * The agent's certificate must name the address we dial (an IP SAN) or the plan's host
 * name (a DNS SAN): the first that matches wins; otherwise the address's error is kept.
 */
function tlsCredentials(tls: ClientTls, target: Target): ChannelCredentials {
  if (tls.kind === 'insecure') return credentials.createInsecure();
  return credentials.createFromSecureContext(secureContextOf(tls.material), {
    checkServerIdentity: (_servername: string, cert: PeerCertificate) => {
      const byAddress = checkServerIdentity(target.address, cert);
      if (!byAddress) return undefined;
      return checkServerIdentity(target.host, cert) ? byAddress : undefined;
    },
  });
}

/**
 * One TLS context (CA, certificate and key parsed once) for every agent of a command: made
 * per channel, it cost a rollout to 100 agents seconds of its CPU.
 */
const contexts = new WeakMap<TlsMaterial, SecureContext>();

function secureContextOf(material: TlsMaterial): SecureContext {
  let context = contexts.get(material);
  if (!context) {
    context = createSecureContext({ ca: material.ca, cert: material.cert, key: material.key, ...(material.crl ? { crl: material.crl } : {}) });
    contexts.set(material, context);
  }
  return context;
}

export function dialTarget(target: Target): string {
  return isIP(target.address) === 6 ? `[${target.address}]:${target.port}` : `${target.address}:${target.port}`;
}

export class AgentChannel {
  readonly stub: WireAgentClient;
  readonly trace = new ConnectionTrace();
  private readonly credentials: BoundedCredentials;
  private readonly calls = new Set<Cancellable>();
  private closed = false;

  /**
   * connectMs bounds the TCP connect and the TLS handshake of every connection (--timeout).
   */
  constructor(target: Target, tls: ClientTls, connectMs: number, { keepalive, certificateSeen }: AgentChannelExtras = {}) {
    this.credentials = new BoundedCredentials(tlsCredentials(tls, target), target, connectMs, this.trace, certificateSeen);
    const Agent = loadAgentProto().lvsctl.v1.Agent;
    // TLS server name (SNI) = the plan's host name: an IP address there is not allowed (RFC 6066).
    // The certificate check itself is tlsCredentials' and accepts the address or the name.
    // A channel of its own per client (local subchannel pool): closing it ends its connections.
    const options = {
      ...CLIENT_OPTIONS,
      'grpc.use_local_subchannel_pool': 1,
      ...(tls.kind === 'mtls' ? { 'grpc.ssl_target_name_override': target.host } : {}),
      ...(keepalive ? { 'grpc.keepalive_time_ms': keepalive.pingEveryMs, 'grpc.keepalive_timeout_ms': keepalive.answerWithinMs } : {}),
    };
    this.stub = new Agent(dialTarget(target), this.credentials, options);
  }

  /** Keeps the call until it ends, so that close() can cancel it. */
  track<C extends Cancellable>(call: C): C {
    if (this.closed) {
      call.cancel();
      return call;
    }
    this.calls.add(call);
    call.once('status', () => this.calls.delete(call));
    return call;
  }

  /**
   * No call starts from now on; the calls, the channel and its sockets end a turn later. A
   * client is often closed by code that runs on the stack of the socket read that brought its
   * last answer (a promise settled there runs before the read returns). Node 20 frees a TLS
   * socket's native half when its TCP socket is destroyed and a collection comes before that
   * read returns, and the read then touches freed memory: a segmentation fault (seen in the
   * host suite; test/integration/client-close.test.ts makes it happen at will without this).
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    setImmediate(() => {
      for (const call of this.calls) call.cancel();
      this.calls.clear();
      this.stub.close();
      this.credentials.destroy();
    });
  }
}
