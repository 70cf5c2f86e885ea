// Certificates, CA and CRL reloaded (SIGHUP, systemd's ExecReload) without dropping the
// apply in flight; a wrong file at reload keeps the previous ones; a revocation reloaded
// shuts a certificate out at the handshake and on a connection opened before it.
import assert from 'assert';
import { credentials, status, type ServiceError } from '@grpc/grpc-js';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { connect } from 'tls';
import { issueIntoCertDir } from '../../controller/certs/cert-dir';
import { revokeInCertDir } from '../../controller/certs/revocation-dir';
import { loadAgentProto } from '../../lvs/wire/proto-loader';
import { directorPlan } from '../unit/wire/sample-host-plans';
import { clientTo, mtls, startTestAgent, type TestAgent } from './support/agent-harness';
import { capturingLogger, logged } from './support/capturing-logger';
import { makeTestPki, type TestPki } from './support/pki';
import type { TlsFiles } from '../../lvs/wire/tls-files';

/** The serial of the certificate the agent shows a new connection. */
function servedSerial(port: number, client: TlsFiles): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: '127.0.0.1', port, servername: 'lvs1', ALPNProtocols: ['h2'], rejectUnauthorized: false,
      ca: readFileSync(client.ca), cert: readFileSync(client.cert), key: readFileSync(client.key),
    }, () => {
      resolve(socket.getPeerCertificate().serialNumber);
      socket.destroy();
    });
    socket.on('error', reject);
  });
}

describe('reloading the agent\'s certificates', function () {
  this.timeout(30_000);
  let pki: TestPki;
  let dir: string;
  let live: { ca: string; cert: string; key: string; crl: string };
  let agent: TestAgent | undefined;
  const log = capturingLogger();

  before(async () => {
    pki = await makeTestPki();
  });
  after(() => pki.cleanup());
  beforeEach(async () => {
    // the agent's files live where the test can replace them, as an operator would
    dir = mkdtempSync(join(tmpdir(), 'lvsctl-reload-'));
    live = { ca: join(dir, 'ca.crt'), cert: join(dir, 'lvs1.crt'), key: join(dir, 'lvs1.key'), crl: join(dir, 'crl.pem') };
    copyFileSync(pki.agent.ca, live.ca);
    copyFileSync(pki.agent.cert, live.cert);
    copyFileSync(pki.agent.key, live.key);
    copyFileSync(pki.crl, live.crl);
    log.lines.length = 0;
    agent = await startTestAgent({ tls: live, logger: log.logger });
  });
  afterEach(async () => {
    await agent?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves a renewed certificate to new connections while the apply in flight finishes', async () => {
    const running = agent as TestAgent;
    const before = await servedSerial(running.port, pki.controller);
    // a renewed lvs1 certificate from the same CA
    const renewDir = join(dir, 'renew');
    mkdirSync(renewDir);
    copyFileSync(join(pki.clusterDir, 'ca.crt'), join(renewDir, 'ca.crt'));
    copyFileSync(join(pki.clusterDir, 'ca.key'), join(renewDir, 'ca.key'));
    await issueIntoCertDir(renewDir, 'lvs1', { ips: ['127.0.0.1'], dnsNames: [] }, new Date());

    running.applier.delayMs = 1000;
    const client = clientTo(running.port, mtls(pki.controller));
    const events: string[] = [];
    const inFlight = client.apply(directorPlan(3), 'apply', (e) => events.push(e.kind));
    while (running.applier.calls.length === 0) await new Promise((r) => setTimeout(r, 10));
    copyFileSync(join(renewDir, 'lvs1.crt'), live.cert);
    copyFileSync(join(renewDir, 'lvs1.key'), live.key);
    assert.strictEqual(await running.reload(), true);
    const after = await servedSerial(running.port, pki.controller);
    assert.strictEqual(running.applier.calls[0].finishedAt, undefined, 'the reload happened while the apply ran');
    try {
      assert.strictEqual((await inFlight).outcome, 'changed');
    } finally {
      client.close();
    }
    assert.deepStrictEqual(events, ['step', 'diff', 'step', 'result']);
    assert.notStrictEqual(after, before);
    const line = await logged(log, (l) => l.message === 'certificates reloaded');
    assert.strictEqual(line.certificate, 'lvs1');
  });

  it('keeps the previous certificates when a reloaded file is wrong, and says which and why', async () => {
    const running = agent as TestAgent;
    const before = await servedSerial(running.port, pki.controller);
    copyFileSync(pki.controller.key, live.key); // a key that does not belong to the certificate
    assert.strictEqual(await running.reload(), false);
    const line = await logged(log, (l) => l.message === 'reload failed: still serving with the previous certificates');
    assert.match(String(line.error), /lvs1\.key: does not belong to the certificate/);
    assert.strictEqual(await servedSerial(running.port, pki.controller), before);
    const client = clientTo(running.port, mtls(pki.controller));
    try {
      assert.strictEqual((await client.hello()).host, 'lvs1');
    } finally {
      client.close();
    }
  });

  it('refuses a certificate revoked since start: a new connection at the handshake, an open one at its next call', async () => {
    const running = agent as TestAgent;
    await issueIntoCertDir(pki.clusterDir, 'ops', { ips: [], dnsNames: [] }, new Date());
    const ops = { ca: pki.agent.ca, cert: join(pki.clusterDir, 'ops.crt'), key: join(pki.clusterDir, 'ops.key') };
    const Agent = loadAgentProto().lvsctl.v1.Agent;
    const open = new Agent(`127.0.0.1:${running.port}`, credentials.createSsl(readFileSync(ops.ca), readFileSync(ops.key), readFileSync(ops.cert)), {
      'grpc.ssl_target_name_override': 'lvs1',
    });
    const hello = (): Promise<ServiceError | null> =>
      new Promise((resolve) => open.hello({}, { deadline: Date.now() + 5000 }, (err) => resolve(err)));
    try {
      assert.strictEqual(await hello(), null);
      await revokeInCertDir(pki.clusterDir, 'ops', new Date());
      copyFileSync(pki.crl, live.crl);
      assert.strictEqual(await running.reload(), true);
      const onOpen = await hello();
      assert.strictEqual(onOpen?.code, status.UNAUTHENTICATED);
      assert.match(onOpen?.details ?? '', /client certificate CN=ops \(serial [0-9A-F]+\) is revoked by this agent's CRL/);
      const fresh = clientTo(running.port, { kind: 'mtls', files: ops, material: { ca: readFileSync(ops.ca), cert: readFileSync(ops.cert), key: readFileSync(ops.key), commonName: 'ops', notAfter: new Date(Date.now() + 86_400_000) } });
      await assert.rejects(fresh.hello(), /closed the connection as the TLS handshake ended, before sending a byte: that is how an agent refuses a client certificate/);
      fresh.close();
      const line = await logged(log, (l) => l.message === 'connection refused: client certificate' && l.certificate === 'ops');
      assert.strictEqual(line.code, 'CERT_REVOKED');
    } finally {
      open.close();
    }
  });
});

describe('the systemd unit', () => {
  it('reloads the agent with SIGHUP (systemctl reload)', () => {
    // dist/test/integration/ → the repository
    const unit = readFileSync(join(__dirname, '..', '..', '..', 'packaging', 'lvsctl-agent.service'), 'utf8');
    assert.match(unit, /^ExecReload=\/bin\/kill -HUP \$MAINPID$/m);
  });
});
