// Client certificates an agent refuses: expired, not yet valid, from another CA, revoked,
// missing (at the TLS handshake) and a name outside --allow (at the call). Each is refused
// and logged with the peer's address, and no log line carries key or certificate material.
import assert from 'assert';
import { readFileSync } from 'fs';
import { status } from '@grpc/grpc-js';
import { startTestAgent, type TestAgent } from './support/agent-harness';
import { capturingLogger, logged } from './support/capturing-logger';
import { makeTestPki, type TestPki } from './support/pki';
import { rawHello } from './support/raw-client';

const REFUSED = 'connection refused: client certificate';

describe('client certificates an agent refuses, each logged with the peer', () => {
  let pki: TestPki;
  let agent: TestAgent;
  const log = capturingLogger();

  before(async () => {
    pki = await makeTestPki();
    agent = await startTestAgent({
      tls: { ...pki.agent, crl: pki.crl }, logger: log.logger,
      allow: ['controller', 'expired-ctl', 'early-ctl', 'revoked-ctl'],
    });
  });
  after(async () => {
    await agent.stop();
    pki.cleanup();
  });

  /** A Hello with `files` fails as the handshake's refusal does, and the agent logs why. */
  async function refusedAtHandshake(files: { ca: string; cert?: string; key?: string }, expect: { reason: RegExp; code?: string; certificate?: string }): Promise<void> {
    const before = log.lines.length;
    const { error } = await rawHello(agent.port, files);
    assert.strictEqual(error?.code, status.UNAVAILABLE, `the call was not refused: ${JSON.stringify(error ?? 'it succeeded')}`);
    const line = await logged(log, (l) => log.lines.indexOf(l) >= before && l.message === REFUSED);
    assert.strictEqual(line.level, 'warn');
    assert.match(String(line.peer), /^127\.0\.0\.1:\d+$/);
    assert.match(String(line.reason), expect.reason);
    if (expect.code) assert.strictEqual(line.code, expect.code);
    if (expect.certificate) assert.strictEqual(line.certificate, expect.certificate);
  }

  it('serves a valid certificate of the cluster CA while a CRL is in force', async () => {
    const { reply, error } = await rawHello(agent.port, pki.controller);
    assert.strictEqual(error, undefined);
    assert.strictEqual(reply?.host, 'lvs1');
  });

  it('refuses an expired certificate', async () => {
    await refusedAtHandshake(pki.expired, { reason: /client certificate expired on /, code: 'CERT_HAS_EXPIRED', certificate: 'expired-ctl' });
  });

  it('refuses a certificate that is not valid yet', async () => {
    await refusedAtHandshake(pki.early, { reason: /client certificate is not valid before /, code: 'CERT_NOT_YET_VALID', certificate: 'early-ctl' });
  });

  it('refuses a certificate from another CA', async () => {
    await refusedAtHandshake({ ca: pki.agent.ca, cert: pki.stranger.cert, key: pki.stranger.key }, { reason: /not signed by this agent's CA \(--ca\)/, certificate: 'controller' });
  });

  it('refuses a revoked certificate', async () => {
    await refusedAtHandshake(pki.revoked, { reason: /client certificate is revoked \(--crl\)/, code: 'CERT_REVOKED', certificate: 'revoked-ctl' });
  });

  it('refuses a client without a certificate', async () => {
    await refusedAtHandshake({ ca: pki.agent.ca }, { reason: /the client presented no certificate/ });
  });

  it('refuses a certificate whose name is not in --allow, at the call', async () => {
    const { error } = await rawHello(agent.port, pki.intruder);
    assert.strictEqual(error?.code, status.PERMISSION_DENIED);
    const line = await logged(log, (l) => l.message === 'hello refused' && l.certificate === 'intruder');
    assert.match(String(line.peer), /^127\.0\.0\.1:\d+$/);
    assert.strictEqual(line.code, 'PERMISSION_DENIED');
  });

  it('never logs key or certificate material', () => {
    const text = log.lines.map((l) => JSON.stringify(l)).join('\n');
    assert.doesNotMatch(text, /BEGIN|PRIVATE KEY|CERTIFICATE-----|X509 CRL/);
    for (const file of [pki.controller.key, pki.controller.cert, pki.agent.key, pki.expired.key, pki.revoked.cert]) {
      const body = readFileSync(file, 'utf8').split('\n').slice(1, 3).join('');
      assert.ok(!text.includes(body.slice(0, 40)), `${file} appears in the log`);
    }
  });
});
