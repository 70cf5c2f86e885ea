import assert from 'assert';
import { X509Certificate } from 'node:crypto';
import { credentials, status, type ServiceError } from '@grpc/grpc-js';
import { readFileSync } from 'fs';
import { createServer, type Server as NetServer, type Socket } from 'net';
import { AgentUnreachableError, type AgentClient } from '../../controller/client/agent-client';
import { loadAgentProto } from '../../lvs/wire/proto-loader';
import { makeTestPki, type TestPki } from './support/pki';
import { clientTo, mtls, startTestAgent, type TestAgent } from './support/agent-harness';
import { clientTlsFromOptions } from '../../controller/client/tls-options';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

async function unreachableReason(client: AgentClient): Promise<string> {
  try {
    await client.hello();
  } catch (err) {
    assert.ok(err instanceof AgentUnreachableError, `expected AgentUnreachableError, got ${String(err)}`);
    return err.message;
  } finally {
    client.close();
  }
  assert.fail('hello succeeded');
}

describe('mutual TLS between controller and agent', () => {
  let pki: TestPki;
  let agent: TestAgent;

  let announced = 0;

  before(async () => {
    pki = await makeTestPki();
    agent = await startTestAgent({ tls: pki.agent, allow: ['controller'], applyAnnounced: () => announced++ });
  });
  after(async () => {
    await agent.stop();
    pki.cleanup();
  });

  it('answers Hello to a controller whose certificate the cluster CA signed', async () => {
    const client = clientTo(agent.port, mtls(pki.controller));
    try {
      // with the fingerprint of the certificate the agent presented (bootstrap checks a reload by it)
      const presented = new X509Certificate(readFileSync(pki.agent.cert)).fingerprint256;
      assert.deepStrictEqual(await client.hello(), { host: 'lvs1', role: 'director', version: '9.9.9', capabilities: ['ipvs'], certificateSha256: presented });
    } finally {
      client.close();
    }
  });

  it('passes a hello that says an apply follows on to the director (it checks its table ahead), and only such a hello', async () => {
    const client = clientTo(agent.port, mtls(pki.controller));
    try {
      const before = announced;
      await client.hello();
      await client.hello({ applyFollows: false });
      assert.equal(announced, before);
      await client.hello({ applyFollows: true });
      assert.equal(announced, before + 1);
    } finally {
      client.close();
    }
  });

  it('refuses a client without a certificate during the handshake', async () => {
    const Agent = loadAgentProto().lvsctl.v1.Agent;
    const raw = new Agent(`127.0.0.1:${agent.port}`, credentials.createSsl(readFileSync(pki.agent.ca)), {
      'grpc.ssl_target_name_override': 'lvs1',
    });
    const err = await new Promise<ServiceError>((resolve) => {
      raw.hello({}, { deadline: Date.now() + 5000 }, (e) => resolve(e as ServiceError));
    });
    raw.close();
    assert.ok(err, 'the call succeeded without a client certificate');
    assert.strictEqual(err.code, status.UNAVAILABLE, err.details);
  });

  it('refuses a client certificate from another CA', async () => {
    // trusts the cluster CA, but presents a certificate the agent's CA never signed
    const files = { ca: pki.agent.ca, cert: pki.stranger.cert, key: pki.stranger.key };
    const material = { ca: readFileSync(files.ca), cert: readFileSync(files.cert), key: readFileSync(files.key), commonName: 'controller', notAfter: new Date(Date.now() + 86_400_000) };
    const reason = await unreachableReason(clientTo(agent.port, { kind: 'mtls', files, material }));
    // TLS 1.3: the agent checks our certificate last and refuses it by closing before its first byte
    assert.match(reason, /closed the connection as the TLS handshake ended, before sending a byte: that is how an agent refuses a client certificate under TLS 1\.3 \(.*other\/controller\.crt \(--cert\) must be issued by the CA the agent trusts/);
  });

  it('refuses a certificate whose name is not in --allow, naming the allowed ones', async () => {
    const reason = await unreachableReason(clientTo(agent.port, mtls(pki.intruder)));
    assert.match(reason, /did not accept us: client certificate CN=intruder is not allowed here; this agent allows controller/);
  });

  it('refuses an agent whose certificate the controller\'s CA did not sign', async () => {
    const strangeAgent = await startTestAgent({ tls: pki.stranger });
    try {
      const reason = await unreachableReason(clientTo(strangeAgent.port, mtls(pki.controller)));
      assert.match(reason, /its certificate is not signed by the CA in .*cluster\/ca\.crt \(--ca\)/);
    } finally {
      await strangeAgent.stop();
    }
  });

  it('refuses an agent from another CA as that, also with the crl.pem beside --ca (OpenSSL first misses a CRL of its issuer)', async () => {
    const strangeAgent = await startTestAgent({ tls: pki.stranger });
    try {
      // as the CLI reads --ca: the cluster's crl.pem beside it comes along
      const asCli = clientTlsFromOptions({ ca: pki.controller.ca, cert: pki.controller.cert, key: pki.controller.key }, {});
      assert.ok(asCli.kind === 'mtls' && asCli.crlFile !== undefined, 'the CRL beside --ca is taken');
      const reason = await unreachableReason(clientTo(strangeAgent.port, asCli));
      assert.match(reason, /its certificate is not signed by the CA in .*cluster\/ca\.crt \(--ca\) \(UNABLE_TO_GET_CRL: no CRL of its issuer, which is not the CA in --ca\)/);
      assert.doesNotMatch(reason, /either the CRL is not that of the CA/);
    } finally {
      await strangeAgent.stop();
    }
  });

  it("refuses an agent whose certificate the CA revoked: the crl.pem beside --ca (certs init keeps it there), or --crl", async () => {
    const revokedAgent = await startTestAgent({ tls: pki.revoked });
    const elsewhere = mkdtempSync(join(tmpdir(), 'lvsctl-ca-copy-'));
    try {
      const asCli = clientTlsFromOptions({ ca: pki.controller.ca, cert: pki.controller.cert, key: pki.controller.key }, {});
      assert.strictEqual(asCli.kind === 'mtls' && asCli.crlFile, pki.crl);
      const reason = await unreachableReason(clientTo(revokedAgent.port, asCli));
      assert.match(reason, /its certificate is revoked \(on the CRL .*cluster\/crl\.pem\): it is not trusted; .*lvsctl certs issue DIR lvs1 --ip 127\.0\.0\.1/);
      // the agents whose certificates stand are answered with the same CRL in force
      const fine = clientTo(agent.port, asCli);
      try {
        assert.strictEqual((await fine.hello()).host, 'lvs1');
      } finally {
        fine.close();
      }
      // a CA copied away from its crl.pem: --crl names the list
      const ca = join(elsewhere, 'ca.crt');
      copyFileSync(pki.controller.ca, ca);
      const flagged = clientTlsFromOptions({ ca, cert: pki.controller.cert, key: pki.controller.key, crl: pki.crl }, {});
      assert.match(await unreachableReason(clientTo(revokedAgent.port, flagged)), /its certificate is revoked/);
      const fromEnv = clientTlsFromOptions({ ca, cert: pki.controller.cert, key: pki.controller.key }, { LVSCTL_CRL: pki.crl });
      assert.strictEqual(fromEnv.kind === 'mtls' && fromEnv.crlFile, pki.crl);
      const none = clientTlsFromOptions({ ca, cert: pki.controller.cert, key: pki.controller.key }, {});
      assert.strictEqual(none.kind === 'mtls' && none.crlFile, undefined, 'no crl.pem beside the copy, none given: no CRL');
    } finally {
      await revokedAgent.stop();
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('refuses a --crl that is missing or no CRL, naming it, before any agent is dialled; and --crl with --insecure', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lvsctl-crl-'));
    try {
      const files = { ca: pki.controller.ca, cert: pki.controller.cert, key: pki.controller.key };
      assert.throws(() => clientTlsFromOptions({ ...files, crl: join(dir, 'none.pem') }, {}), /none\.pem: the CRL does not exist \(make it with `lvsctl certs crl DIR`/);
      writeFileSync(join(dir, 'cert.pem'), readFileSync(pki.controller.cert));
      assert.throws(() => clientTlsFromOptions({ ...files, crl: join(dir, 'cert.pem') }, {}), /cert\.pem: is not a PEM certificate revocation list/);
      writeFileSync(join(dir, 'broken.pem'), '-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n');
      assert.throws(() => clientTlsFromOptions({ ...files, crl: join(dir, 'broken.pem') }, {}), /broken\.pem: is not a readable certificate revocation list/);
      assert.throws(() => clientTlsFromOptions({ insecure: true, crl: pki.crl }, {}), /--insecure and --crl exclude each other/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses an agent whose certificate names neither the address dialed nor the host', async () => {
    const misnamed = await startTestAgent({ tls: pki.agentWithoutIp });
    try {
      const reason = await unreachableReason(clientTo(misnamed.port, mtls(pki.controller), 5000, 'lvs1'));
      assert.match(reason, /valid neither for 127\.0\.0\.1 nor for "lvs1"; issue it with `lvsctl certs issue DIR lvs1 --ip 127\.0\.0\.1`/);
    } finally {
      await misnamed.stop();
    }
  });

  it('accepts an agent certificate that carries the plan\'s host name instead of the address', async () => {
    const byName = await startTestAgent({ tls: pki.agentWithoutIp });
    try {
      const client = clientTo(byName.port, mtls(pki.controller), 5000, 'web9');
      try {
        assert.strictEqual((await client.hello()).host, 'lvs1');
      } finally {
        client.close();
      }
    } finally {
      await byName.stop();
    }
  });

  it('tells a controller using --insecure that the agent wants TLS', async () => {
    const reason = await unreachableReason(clientTo(agent.port, { kind: 'insecure' }));
    assert.match(reason, /did not take a plain-TCP connection: it probably requires mutual TLS; pass --ca, --cert and --key instead of --insecure/);
  });

  it('tells a TLS controller that the agent runs --insecure', async () => {
    const plain = await startTestAgent({});
    try {
      const reason = await unreachableReason(clientTo(plain.port, mtls(pki.controller)));
      assert.match(reason, /does not speak TLS: an agent started with --insecure answers so \(pass --insecure too, labs only, or restart it with TLS files\), and so does another service on port \d+ \(SSH, HTTP…\)/);
    } finally {
      await plain.stop();
    }
  });
});

describe('an agent that is not there', () => {
  let pki: TestPki;
  before(async () => {
    pki = await makeTestPki();
  });
  after(() => pki.cleanup());

  it('is unreachable with "connection refused" at once, well within the timeout', async () => {
    const down = await startTestAgent({ tls: pki.agent });
    const port = down.port;
    await down.stop();
    const started = Date.now();
    const reason = await unreachableReason(clientTo(port, mtls(pki.controller), 3000));
    assert.match(reason, new RegExp(`agent of lvs1 at 127\\.0\\.0\\.1:${port}: connection refused; is lvsctl-agent running there, on port ${port}`));
    assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
  });

  it('is unreachable with the --timeout named when the port accepts but nobody answers', async () => {
    const sockets: Socket[] = [];
    const silent: NetServer = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const started = Date.now();
      const reason = await unreachableReason(clientTo(port, mtls(pki.controller), 700));
      const took = Date.now() - started;
      assert.match(reason, /accepted the TCP connection but did not complete the TLS handshake within 700 ms \(--timeout\)/);
      assert.ok(took >= 600 && took < 3000, `took ${took} ms`);
    } finally {
      sockets.forEach((s) => s.destroy());
      silent.close();
    }
  });
});
