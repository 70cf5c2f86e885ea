// What happened on the wire to one agent, attempt by attempt: the TCP connect, the TLS
// handshake, the open connection and how it ended. grpc-js reports most of these as the
// same UNAVAILABLE or DEADLINE_EXCEEDED; the trace is what lets call-failure.ts tell a
// refused certificate from a silent listener or an agent that died mid-apply.

/** How far one connection attempt got. */
export type AttemptStage =
  /** TCP connect under way */
  | { stage: 'dialing' }
  /** the TCP connect failed (ECONNREFUSED, EHOSTUNREACH…) */
  | { stage: 'tcp-failed'; error: Error }
  /** no TCP connection within the bound; we gave up */
  | { stage: 'tcp-timeout'; afterMs: number }
  /** TCP open, the TLS handshake under way */
  | { stage: 'handshaking' }
  /** the TLS handshake ended with an error (a TLS alert, a certificate we do not trust…) */
  | { stage: 'handshake-failed'; error: Error }
  /** the peer took the TCP connection and never finished the TLS handshake */
  | { stage: 'handshake-timeout'; afterMs: number }
  /**
   * the connection is up (after TLS, or plain TCP with --insecure); peerCertificateSha256: the
   * SHA-256 fingerprint of the certificate the agent presented (AB:CD:…, as X509Certificate's
   * fingerprint256), absent without TLS
   */
  | { stage: 'open'; bytesRead: () => number; peerCertificateSha256?: string }
  /** the connection that was up ended; bytesRead: what the peer had sent us */
  | { stage: 'closed'; bytesRead: number; error?: Error; peerCertificateSha256?: string };

export interface Attempt {
  startedAt: number;
  /** when the stage below was reached */
  at: number;
  secure: boolean;
  state: AttemptStage;
}

/** The last few attempts are enough: grpc-js makes one per call and one per reconnect. */
const KEPT_ATTEMPTS = 8;

export class ConnectionTrace {
  private readonly attempts: Attempt[] = [];

  constructor(private readonly clock: () => number = Date.now) {}

  /** Starts a new attempt; the returned function moves it to its next stage. */
  begin(secure: boolean): (state: AttemptStage) => void {
    const now = this.clock();
    const attempt: Attempt = { startedAt: now, at: now, secure, state: { stage: 'dialing' } };
    this.attempts.push(attempt);
    if (this.attempts.length > KEPT_ATTEMPTS) this.attempts.shift();
    return (state) => {
      attempt.state = state;
      attempt.at = this.clock();
    };
  }

  /** The most recent attempt, if any was made. */
  latest(): Attempt | undefined {
    return this.attempts[this.attempts.length - 1];
  }

  /** The most recent attempt that got a connection up: the one a call in flight used. */
  lastConnected(): Attempt | undefined {
    for (let i = this.attempts.length - 1; i >= 0; i--) {
      const stage = this.attempts[i].state.stage;
      if (stage === 'open' || stage === 'closed') return this.attempts[i];
    }
    return undefined;
  }
}
