import assert from 'assert';
import { status, type ServiceError } from '@grpc/grpc-js';
import { Metadata } from '@grpc/grpc-js';
import { describeCallFailure, type CallContext } from '../../../controller/client/call-failure';
import { ConnectionTrace, type AttemptStage } from '../../../controller/client/connection-trace';
import type { ClientTls } from '../../../controller/client/tls-options';

const MTLS: ClientTls = {
  kind: 'mtls',
  files: { ca: '/pki/ca.crt', cert: '/pki/controller.crt', key: '/pki/controller.key' },
  material: { ca: Buffer.from(''), cert: Buffer.from(''), key: Buffer.from(''), commonName: 'controller', notAfter: new Date(0) },
};
const LIMIT = { at: 0, text: 'within 2000 ms (--timeout)', byCommand: false };

function grpcError(code: status, details = 'grpc-js details'): ServiceError {
  return Object.assign(new Error(details), { code, details, metadata: new Metadata() });
}

function errno(code: string): Error {
  return Object.assign(new Error(code), { code });
}

/** The context of a call whose last connection attempt went through these stages. */
function after(stages: AttemptStage[], tls: ClientTls = MTLS): CallContext {
  const trace = new ConnectionTrace();
  const step = trace.begin(tls.kind === 'mtls');
  for (const s of stages) step(s);
  return { host: 'lvs1', address: '10.0.0.1', port: 7400, tls, trace };
}

function reason(code: status, ctx: CallContext): string {
  const failure = describeCallFailure(grpcError(code), ctx, LIMIT);
  assert.strictEqual(failure.kind, 'unreachable');
  return failure.reason;
}

describe('a call without an answer, described by what happened on the wire', () => {
  it('names an IPv6 agent\'s address in brackets, as it is dialled', () => {
    const ctx = { ...after([]), address: '::1', port: 47401 };
    assert.match(reason(status.DEADLINE_EXCEEDED, ctx), /^agent of lvs1 at \[::1\]:47401: /);
  });
  it('no TCP connection within the bound: the host or a firewall, no word of TLS', () => {
    assert.match(reason(status.DEADLINE_EXCEEDED, after([])), /agent of lvs1 at 10\.0\.0\.1:7400: no TCP connection within 2000 ms \(--timeout\): is the host up\?/);
    assert.match(reason(status.UNAVAILABLE, after([{ stage: 'tcp-timeout', afterMs: 2000 }])), /no TCP connection/);
  });

  it('TCP refused or unroutable', () => {
    assert.match(reason(status.UNAVAILABLE, after([{ stage: 'tcp-failed', error: errno('ECONNREFUSED') }])), /connection refused; is lvsctl-agent running there, on port 7400/);
    assert.match(reason(status.UNAVAILABLE, after([{ stage: 'tcp-failed', error: errno('EHOSTUNREACH') }])), /no route to the host \(EHOSTUNREACH\)/);
  });

  it('TCP taken, TLS handshake never done: a silent listener, not a certificate', () => {
    const text = reason(status.DEADLINE_EXCEEDED, after([{ stage: 'handshaking' }]));
    assert.match(text, /accepted the TCP connection but did not complete the TLS handshake within 2000 ms \(--timeout\)/);
    assert.doesNotMatch(text, /certificate/);
  });

  it('"refused the client certificate" only from the handshake: an alert, or a close before the agent\'s first byte', () => {
    const alert = reason(status.UNAVAILABLE, after([{ stage: 'handshake-failed', error: errno('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED') }]));
    assert.match(alert, /refused the client certificate \/pki\/controller\.crt \(--cert\) in the TLS handshake \(alert: certificate required\)/);
    const lateAlert = reason(status.UNAVAILABLE, after([{ stage: 'open', bytesRead: () => 0 }, { stage: 'closed', bytesRead: 0, error: errno('ERR_SSL_TLSV1_ALERT_UNKNOWN_CA') }]));
    assert.match(lateAlert, /refused the client certificate .*alert: unknown ca/);
    const silentClose = reason(status.UNAVAILABLE, after([{ stage: 'open', bytesRead: () => 0 }, { stage: 'closed', bytesRead: 0 }]));
    assert.match(silentClose, /closed the connection as the TLS handshake ended, before sending a byte: that is how an agent refuses a client certificate under TLS 1\.3/);
    // and how an agent at its connection bound sheds one: both named, with where to tell them apart
    assert.match(silentClose, /unexpired and not revoked by its --crl\) and how it sheds a connection past its bound \(too many held open\): its log says which/);
  });

  it('a connection dropped after the agent had spoken: it stopped or restarted, not a certificate', () => {
    const text = reason(status.UNAVAILABLE, after([{ stage: 'open', bytesRead: () => 120 }, { stage: 'closed', bytesRead: 120, error: errno('ECONNRESET') }]));
    assert.match(text, /the connection dropped after the TLS handshake \(ECONNRESET\): the agent stopped or restarted\? see its log/);
    assert.doesNotMatch(text, /certificate/);
  });

  it('bytes that are not HTTP/2 after the handshake: another service, not an agent that restarted', () => {
    const text = reason(status.UNAVAILABLE, after([{ stage: 'open', bytesRead: () => 40 }, { stage: 'closed', bytesRead: 40, error: errno('ERR_HTTP2_ERROR') }]));
    assert.match(text, /answered after the TLS handshake with bytes that are not HTTP\/2 \(ERR_HTTP2_ERROR\), which lvsctl-agent never sends: is it lvsctl-agent that listens on port 7400\?/);
    assert.doesNotMatch(text, /stopped or restarted/);
  });

  it('our check of the agent\'s certificate, and an agent without TLS', () => {
    assert.match(reason(status.UNAVAILABLE, after([{ stage: 'handshake-failed', error: errno('SELF_SIGNED_CERT_IN_CHAIN') }])), /its certificate is not signed by the CA in \/pki\/ca\.crt \(--ca\)/);
    assert.match(reason(status.UNAVAILABLE, after([{ stage: 'handshake-failed', error: errno('ERR_TLS_CERT_ALTNAME_INVALID') }])), /valid neither for 10\.0\.0\.1 nor for "lvs1"/);
    assert.match(reason(status.UNAVAILABLE, after([{ stage: 'handshake-failed', error: errno('ERR_SSL_WRONG_VERSION_NUMBER') }])), /does not speak TLS: an agent started with --insecure answers so \(pass --insecure too, labs only, or restart it with TLS files\), and so does another service on port \d+ \(SSH, HTTP…\)/);
  });

  it('a connection closed in the handshake without an alert: not only a certificate refused, but maybe not an agent', () => {
    const text = reason(status.UNAVAILABLE, after([{ stage: 'handshake-failed', error: errno('ECONNRESET') }]));
    assert.match(text, /closed the connection during the TLS handshake without a TLS alert: is lvsctl-agent what listens on port \d+ \(plan agent\.port \/ agentPort\)\?/);
    assert.match(text, /too many connections in their handshake/);
    assert.match(text, /check that \/pki\/controller\.crt \(--cert\) comes from the CA the agent trusts/);
  });

  it('up and silent: nothing at all (not an agent?) or nothing in time (busy)', () => {
    assert.match(reason(status.DEADLINE_EXCEEDED, after([{ stage: 'open', bytesRead: () => 0 }])), /completed the TLS handshake but then sent nothing within 2000 ms \(--timeout\), not even the HTTP\/2 greeting/);
    assert.match(reason(status.DEADLINE_EXCEEDED, after([{ stage: 'open', bytesRead: () => 42 }])), /is connected but gave no answer within 2000 ms \(--timeout\): the agent is busy or stuck/);
  });

  it('with --insecure: a TLS agent closes the plain connection at once', () => {
    const text = reason(status.UNAVAILABLE, after([{ stage: 'open', bytesRead: () => 0 }, { stage: 'closed', bytesRead: 0 }], { kind: 'insecure' }));
    assert.match(text, /did not take a plain-TCP connection: it probably requires mutual TLS/);
  });

  it('an answer of the agent is its own word, whatever the wire', () => {
    const open = after([{ stage: 'open', bytesRead: () => 42 }]);
    assert.deepStrictEqual(describeCallFailure(grpcError(status.FAILED_PRECONDITION, 'wrong role'), open, LIMIT), { kind: 'refused', reason: 'agent of lvs1 at 10.0.0.1:7400 answered FAILED_PRECONDITION: wrong role' });
    assert.match(reason(status.PERMISSION_DENIED, open), /did not accept us: grpc-js details/);
    // UNAVAILABLE over a connection that is up: the agent's own word, not a refused certificate
    const shutting = reason(status.UNAVAILABLE, after([{ stage: 'open', bytesRead: () => 42 }]));
    assert.strictEqual(shutting, 'agent of lvs1 at 10.0.0.1:7400 answered UNAVAILABLE: grpc-js details');
    // grpc-js's own words for a connection it lost are no answer of the agent's
    for (const own of ['read ECONNRESET', 'Stream refused by server', 'Write error: write EPIPE', 'Channel closed before call started']) {
      const text = describeCallFailure(grpcError(status.UNAVAILABLE, own), after([{ stage: 'open', bytesRead: () => 42 }]), LIMIT).reason;
      assert.doesNotMatch(text, /answered UNAVAILABLE/, own);
    }
    // an HTTP error over an open connection (a proxy's 503): not an agent, said as a broken protocol
    const proxy = describeCallFailure(grpcError(status.UNAVAILABLE, 'Received HTTP status code 503'), after([{ stage: 'open', bytesRead: () => 42 }]), LIMIT).reason;
    assert.match(proxy, /broke off the call \(Received HTTP status code 503\), which lvsctl-agent never does/);
    // an answer that is no protobuf the client can decode: not an agent of this version, unreachable
    const garbled = describeCallFailure(grpcError(status.INTERNAL, 'Response message parsing error: invalid wire type 7 at offset 1'), open, LIMIT);
    assert.strictEqual(garbled.kind, 'unreachable');
    assert.match(garbled.reason, /broke off the call \(Response message parsing error: invalid wire type 7 at offset 1\), which lvsctl-agent never does/);
  });
});

describe('a peer\'s own words, as the controller prints them', () => {
  it('shows control characters (a terminal escape) as "?" and at most 1,000 characters of them', () => {
    const open = after([{ stage: 'open', bytesRead: () => 42 }]);
    const failure = describeCallFailure(grpcError(status.INTERNAL, `x\u001b[31mred${'A'.repeat(2000)}`), open, LIMIT);
    assert.doesNotMatch(failure.reason, /\u001b/);
    assert.match(failure.reason, /answered INTERNAL: x\?\[31mredA+… \(1009 more characters\)$/);
    assert.ok(failure.reason.length < 1100, `${failure.reason.length} characters`);
  });

  it('an agent that closed the connection after the handshake: grpc-js\'s words without their empty note, and where to look', () => {
    const open = after([{ stage: 'open', bytesRead: () => 42 }]);
    const text = describeCallFailure(grpcError(status.UNAVAILABLE, 'No connection established. Last error: read ECONNRESET (2026-12-06T00:00:00.000Z). Resolution note: '), open, LIMIT).reason;
    assert.match(text, /is unavailable: No connection established\. Last error: read ECONNRESET \(2026-12-06T00:00:00\.000Z\); an agent closes a connection it will not serve: .*revoked by its --crl.*too many connections held: its log says which$/);
    assert.doesNotMatch(text, /Resolution note/);
  });
});

describe('a conversation the peer broke, which grpc-js reports as a status of its own', () => {
  const open = (): CallContext => after([{ stage: 'open', bytesRead: () => 100 } as unknown as AttemptStage]);
  const cases: Array<[status, string]> = [
    [status.INTERNAL, 'Received RST_STREAM with code 1'],
    [status.RESOURCE_EXHAUSTED, 'Received message larger than max (2147483647 vs 16777216)'],
    [status.UNKNOWN, 'Received HTTP status code 502'],
    [status.RESOURCE_EXHAUSTED, 'Bandwidth exhausted or memory limit exceeded'],
  ];
  for (const [code, details] of cases) {
    it(`"${details}" (${status[code]}) is unreachable: no answer the agent gave`, () => {
      const failure = describeCallFailure(grpcError(code, details), open(), LIMIT);
      assert.strictEqual(failure.kind, 'unreachable');
      assert.match(failure.reason, /broke off the call \(.*\), which lvsctl-agent never does: is it lvsctl-agent, of this version, that listens on port 7400\?/);
    });
  }

  it('an agent\'s own refusal stays a refusal, and grpc-js\'s own internal error is not blamed on the peer', () => {
    const refused = describeCallFailure(grpcError(status.RESOURCE_EXHAUSTED, 'this agent already serves 16 health watches; stop one'), open(), LIMIT);
    assert.strictEqual(refused.kind, 'refused');
    const ours = describeCallFailure(grpcError(status.INTERNAL, 'Received RST_STREAM with code 2 triggered by internal client error: boom'), open(), LIMIT);
    assert.doesNotMatch(ours.reason, /broke off the call/);
  });
});
