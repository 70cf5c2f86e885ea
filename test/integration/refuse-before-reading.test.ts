// A certificate --allow does not name is answered as its call's headers arrive: the agent
// never waits for (or holds) its request. A raw HTTP/2 client announces a large Apply and
// sends only its first bytes; a grpc-js client could not send a request that never ends.
import assert from 'assert';
import { connect, type ClientHttp2Session, type IncomingHttpHeaders } from 'node:http2';
import { readFileSync } from 'fs';
import { makeTestPki, type TestPki } from './support/pki';
import { clientTo, mtls, startTestAgent, type TestAgent } from './support/agent-harness';
import { bigDirectorPlan } from './support/big-director-plan';
import { capturingLogger, type CapturedLog } from './support/capturing-logger';
import type { TlsFiles } from '../../lvs/wire/tls-files';

const GRPC_PERMISSION_DENIED = '7';

function dial(port: number, files: TlsFiles): ClientHttp2Session {
  return connect(`https://127.0.0.1:${port}`, {
    ca: readFileSync(files.ca), cert: readFileSync(files.cert), key: readFileSync(files.key), servername: 'lvs1',
  });
}

/**
 * Starts an Apply whose length prefix announces `announcedBytes` and sends `sentBytes` of it,
 * never ending the stream. Resolves with the response headers (a trailers-only answer
 * carries grpc-status in them), or undefined when none came within `waitMs`.
 */
function partialApply(session: ClientHttp2Session, announcedBytes: number, sentBytes: number, waitMs: number): Promise<IncomingHttpHeaders | undefined> {
  return new Promise((resolve, reject) => {
    const stream = session.request({
      ':method': 'POST', ':path': '/lvsctl.v1.Agent/Apply', 'content-type': 'application/grpc', te: 'trailers',
    });
    const timer = setTimeout(() => { stream.close(); resolve(undefined); }, waitMs);
    stream.on('response', (headers) => { clearTimeout(timer); stream.close(); resolve(headers); });
    stream.on('error', (err) => { clearTimeout(timer); reject(err); });
    const prefix = Buffer.alloc(5);
    prefix.writeUInt32BE(announcedBytes, 1);
    stream.write(Buffer.concat([prefix, Buffer.alloc(sentBytes, 0x0a)]));
  });
}

describe('a refused certificate is answered before its request is read', () => {
  let pki: TestPki;
  let agent: TestAgent;
  let log: CapturedLog;

  before(async () => {
    pki = await makeTestPki();
    log = capturingLogger();
    agent = await startTestAgent({ tls: pki.agent, allow: ['controller'], logger: log.logger });
  });
  after(async () => {
    await agent.stop();
    pki.cleanup();
  });

  it('answers an Apply of a certificate --allow does not name with PERMISSION_DENIED while its 8 MiB request has not arrived, and logs who', async () => {
    const session = dial(agent.port, pki.intruder);
    try {
      const headers = await partialApply(session, 8 * 1024 * 1024, 1024, 3000);
      assert.ok(headers, 'no answer within 3 s: the agent waited for the whole request before refusing it');
      assert.strictEqual(String(headers['grpc-status']), GRPC_PERMISSION_DENIED);
      assert.match(decodeURIComponent(String(headers['grpc-message'])), /client certificate CN=intruder is not allowed here; this agent allows controller/);
    } finally {
      session.close();
    }
    const refused = log.lines.find((l) => l.message === 'apply refused');
    assert.ok(refused, JSON.stringify(log.lines));
    assert.strictEqual(refused.certificate, 'intruder');
    assert.strictEqual(refused.code, 'PERMISSION_DENIED');
  });

  it('gives lvsctl the refusal in words for a 20,000-service Apply too (an answer that comes while lvsctl still sends must not turn into a stream error)', async () => {
    const client = clientTo(agent.port, mtls(pki.intruder), 10_000);
    try {
      await assert.rejects(client.apply(bigDirectorPlan(20_000, 10), 'check', () => undefined), /did not accept us: client certificate CN=intruder is not allowed here; this agent allows controller/);
    } finally {
      client.close();
    }
  });

  it('lets the same partial Apply of the controller\'s certificate wait for the rest of its request (it is read, not refused)', async () => {
    const session = dial(agent.port, pki.controller);
    try {
      assert.strictEqual(await partialApply(session, 8 * 1024 * 1024, 1024, 500), undefined);
    } finally {
      session.close();
    }
  });
});
