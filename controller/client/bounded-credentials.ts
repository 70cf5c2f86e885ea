// Channel credentials that bound and record every connection grpc-js makes to one agent.
// grpc-js (1.14) puts no time limit on its TCP connect nor on the TLS handshake, and
// closing a channel does not end a connection attempt in progress: a port that accepts
// TCP and never speaks TLS kept lvsctl's process alive forever after its last line. This
// wrapper gives both a bound, ends every socket of the channel on destroy(), and writes
// each step to a ConnectionTrace so failures can be told apart.
import { connect as tcpConnect, isIP, type Socket } from 'net';
import { TLSSocket } from 'tls';
import { ChannelCredentials, type CallCredentials, type ChannelOptions } from '@grpc/grpc-js';
import type { AttemptStage, ConnectionTrace } from './connection-trace';
import { awaitConnectTo, nodeReportsConnectionAttempts } from './connect-watch';

// The connector contract as grpc-js declares it on ChannelCredentials (not exported by name).
type SecureConnector = ReturnType<ChannelCredentials['_createSecureConnector']>;
type SecureConnectResult = Awaited<ReturnType<SecureConnector['connect']>>;
type GrpcUri = Parameters<ChannelCredentials['_createSecureConnector']>[0];

export interface DialTarget {
  address: string;
  port: number;
}

export class BoundedCredentials extends ChannelCredentials {
  private readonly sockets = new Set<Socket>();
  private destroyed = false;
  /** stops waiting for grpc-js's next connect (boundNextConnect) */
  private stopWaiting: (() => void) | undefined;

  /**
   * connectMs bounds the TCP connect and, separately, the TLS handshake (--timeout):
   * a peer past it is not an agent that can answer in time.
   */
  constructor(
    private readonly inner: ChannelCredentials,
    private readonly target: DialTarget,
    private readonly connectMs: number,
    readonly trace: ConnectionTrace,
    /** told when each connection's certificate expires (the agent's, checked by then) */
    private readonly certificateSeen?: (notAfter: Date) => void,
  ) {
    super();
  }

  override _isSecure(): boolean {
    return this.inner._isSecure();
  }

  /** Never shared: each client owns its connections, so closing it can end them all. */
  override _equals(other: ChannelCredentials): boolean {
    return other === this;
  }

  override _createSecureConnector(channelTarget: GrpcUri, options: ChannelOptions, callCredentials?: CallCredentials): SecureConnector {
    const inner = this.inner._createSecureConnector(channelTarget, options, callCredentials);
    // grpc-js dials the address itself unless it goes through an HTTP proxy
    const adopt = isIP(this.target.address) !== 0 && !('grpc.http_connect_target' in options) && nodeReportsConnectionAttempts();
    // grpc-js runs one attempt at a time per connector: waitForReady, then connect.
    let step: ((state: AttemptStage) => void) | undefined;
    return {
      waitForReady: async () => {
        await inner.waitForReady();
        step = this.trace.begin(this._isSecure());
        if (adopt) this.boundNextConnect(step);
        else await this.dialCheck(step);
      },
      connect: (socket) => this.handshake(inner, socket, step ?? this.trace.begin(this._isSecure())),
      getCallCredentials: () => inner.getCallCredentials(),
      destroy: () => inner.destroy(),
    };
  }

  /** Ends every connection and connection attempt of this channel; no new ones start. */
  destroy(): void {
    this.destroyed = true;
    this.stopWaiting?.();
    this.stopWaiting = undefined;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  private own(socket: Socket): void {
    if (this.destroyed) {
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  /**
   * Bounds the TCP connect grpc-js makes right after waitForReady: its socket is taken as it
   * starts dialing this agent (connect-watch.ts), owned like every socket of the channel, and
   * destroyed if it is not connected within connectMs, which fails grpc-js's attempt.
   */
  private boundNextConnect(step: (state: AttemptStage) => void): void {
    if (this.destroyed) throw new Error('the client was closed');
    this.stopWaiting?.();
    this.stopWaiting = awaitConnectTo(this.target.address, this.target.port, (socket) => {
      this.stopWaiting = undefined;
      this.own(socket);
      let settled = false;
      const settle = (): boolean => {
        if (settled) return false;
        settled = true;
        clearTimeout(timer);
        socket.removeListener('error', failed);
        return true;
      };
      const timer = setTimeout(() => {
        if (!settle()) return;
        step({ stage: 'tcp-timeout', afterMs: this.connectMs });
        socket.destroy(new Error(`no TCP connection within ${this.connectMs} ms`));
      }, this.connectMs);
      const failed = (error: Error): void => {
        if (settle()) step({ stage: 'tcp-failed', error });
      };
      socket.on('error', failed);
      socket.once('connect', settle);
      // destroy() of the channel: grpc-js's own listeners report it
      socket.once('close', settle);
    });
  }

  /**
   * Where grpc-js's own connect cannot be watched (a Node before 20.12, a host name, an
   * HTTP proxy): connects over TCP ourselves first, within connectMs, and closes that connection: the
   * connect grpc-js makes next cannot be bounded or cancelled, and a host that drops
   * packets would hold the process until the kernel gives up (about two minutes). Costs
   * one round trip; the agent sees a connection that closes before its TLS handshake.
   */
  private dialCheck(step: (state: AttemptStage) => void): Promise<void> {
    if (this.destroyed) return Promise.reject(new Error('the client was closed'));
    return new Promise((resolve, reject) => {
      const socket = tcpConnect({ host: this.target.address, port: this.target.port });
      this.own(socket);
      let settled = false;
      const settle = (outcome: () => void): void => {
        clearTimeout(timer);
        if (settled) return;
        settled = true;
        socket.destroy();
        outcome();
      };
      const timer = setTimeout(() => settle(() => {
        step({ stage: 'tcp-timeout', afterMs: this.connectMs });
        reject(new Error(`no TCP connection within ${this.connectMs} ms`));
      }), this.connectMs);
      socket.once('connect', () => settle(resolve));
      socket.on('error', (error) => settle(() => {
        step({ stage: 'tcp-failed', error });
        reject(error);
      }));
      // destroy() of the whole channel ends the check too, without an error event
      socket.once('close', () => settle(() => reject(new Error('the client was closed'))));
    });
  }

  private handshake(inner: SecureConnector, socket: Socket, step: (state: AttemptStage) => void): Promise<SecureConnectResult> {
    this.own(socket);
    const secure = this._isSecure();
    if (secure) step({ stage: 'handshaking' });
    return new Promise((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        step({ stage: 'handshake-timeout', afterMs: this.connectMs });
        socket.destroy();
        reject(new Error(`no TLS handshake within ${this.connectMs} ms`));
      }, this.connectMs);
      // grpc-js's connect settles only on secureConnect or an error: a socket this channel's
      // destroy() ended mid-handshake (a peer that never speaks TLS, the command over) settles
      // neither, and the timer alone kept the command up a whole --timeout past its --deadline
      timer.unref();
      socket.once('close', () => {
        if (settled || !this.destroyed) return;
        settled = true;
        clearTimeout(timer);
        reject(new Error('the client was closed'));
      });
      inner.connect(socket).then(
        (result) => {
          clearTimeout(timer);
          if (settled) {
            // off the stack of the read that ended the handshake (agent-channel.ts, close())
            setImmediate(() => result.socket.destroy());
            return;
          }
          settled = true;
          this.watchOpen(result.socket, step);
          resolve(result);
        },
        (error: unknown) => {
          clearTimeout(timer);
          if (settled) return;
          settled = true;
          step({ stage: 'handshake-failed', error: error instanceof Error ? error : new Error(String(error)) });
          reject(error);
        },
      );
    });
  }

  private watchOpen(socket: Socket, step: (state: AttemptStage) => void): void {
    this.own(socket);
    let error: Error | undefined;
    // taken now, while the TLS session is there: bootstrap checks a reload by its fingerprint (a few µs)
    const peer = socket instanceof TLSSocket ? socket.getPeerX509Certificate() : undefined;
    const presented = peer !== undefined ? { peerCertificateSha256: peer.fingerprint256 } : {};
    if (peer !== undefined) this.certificateSeen?.(new Date(peer.validTo));
    step({ stage: 'open', bytesRead: () => socket.bytesRead, ...presented });
    socket.on('error', (e: Error) => { error ??= e; });
    socket.once('close', () => step({ stage: 'closed', bytesRead: socket.bytesRead, ...(error ? { error } : {}), ...presented }));
  }
}
