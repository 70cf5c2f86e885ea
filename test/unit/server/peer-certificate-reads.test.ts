// Each read of a client certificate parses it into an object again (Node's getPeerCertificate,
// behind grpc-js's getAuthContext): an agent serving a rollout reads it once per connection
// that is refused, never for one whose certificate verified, and once per call.
import { strict as assert } from 'node:assert';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import { authorizeCall } from '../../../agent/server/authorize';
import { authReadOnce, callerOf } from '../../../agent/server/caller';
import { refusalOf } from '../../../agent/server/transport/handshake-refusal';

const CERT = { subject: { CN: 'controller' }, serialNumber: '0A1B', valid_to: 'Jan  1 00:00:00 2020 GMT' } as unknown as PeerCertificate;

function fakeSocket(authorized: boolean, authorizationError?: string): { socket: TLSSocket; reads: () => number } {
  let reads = 0;
  const socket = {
    alpnProtocol: 'h2',
    authorized,
    authorizationError,
    getPeerCertificate: () => {
      reads += 1;
      return CERT;
    },
  } as unknown as TLSSocket;
  return { socket, reads: () => reads };
}

describe('reads of the client certificate', () => {
  it('a verified connection is handed on without parsing its certificate', () => {
    const { socket, reads } = fakeSocket(true);
    assert.equal(refusalOf(socket), undefined);
    assert.equal(reads(), 0);
  });

  it('a refused connection still names the certificate it showed', () => {
    const { socket } = fakeSocket(false, 'CERT_HAS_EXPIRED');
    assert.deepEqual(refusalOf(socket), {
      reason: 'the client certificate expired on Jan  1 00:00:00 2020 GMT', code: 'CERT_HAS_EXPIRED', certificate: 'controller', serial: '0A1B',
    });
  });

  it('a call authorizes and writes its audit lines from one read of its auth context', () => {
    let reads = 0;
    const call = {
      getPeer: () => '10.0.0.1:40000',
      getAuthContext: () => {
        reads += 1;
        return { transportSecurityType: 'ssl', sslPeerCertificate: CERT };
      },
    };
    const caller = authReadOnce(call);
    assert.equal(authorizeCall({ tls: true, allow: ['controller'] }, caller), undefined);
    assert.deepEqual(callerOf(caller, true), { peer: '10.0.0.1:40000', certificate: 'controller' });
    assert.deepEqual(callerOf(caller, true), { peer: '10.0.0.1:40000', certificate: 'controller' });
    assert.equal(reads, 1);
  });

  it('a call without a certificate is still refused through the kept read', () => {
    const caller = authReadOnce({ getPeer: () => '10.0.0.1:40000', getAuthContext: () => null });
    assert.equal(authorizeCall({ tls: true, allow: [] }, caller)?.details.startsWith('no client certificate'), true);
    assert.deepEqual(callerOf(caller, true), { peer: '10.0.0.1:40000', certificate: '(none)' });
  });
});
