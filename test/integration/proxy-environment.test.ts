// An operator's shell often names a web proxy (https_proxy, grpc_proxy). grpc-js would send
// every call to the agents through it, and neither bound nor close a CONNECT the proxy never
// answers: the command then hung past its deadline. lvsctl dials agents directly.
import assert from 'assert';
import { spawn } from 'child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { startTestAgent, type TestAgent } from './support/agent-harness';
import { makeTestPki, type TestPki } from './support/pki';
import { startSilentTcp, type SilentPeer } from './support/silent-peers';

const LVSCTL = join(__dirname, '..', '..', 'controller', 'cli', 'main.js');

describe('a web proxy named in the environment', function () {
  this.timeout(60_000);
  let pki: TestPki;
  let agent: TestAgent;
  let proxy: SilentPeer;
  let dir: string;
  let plan: string;

  before(async () => {
    pki = await makeTestPki();
    agent = await startTestAgent({ tls: pki.agent });
    proxy = await startSilentTcp();
    dir = mkdtempSync(join(tmpdir(), 'lvsctl-proxy-env-'));
    plan = join(dir, 'plan.json');
    writeFileSync(plan, JSON.stringify({ apiVersion: 'lvsctl/v1', cluster: 'c', hosts: { lvs1: { role: 'director', address: '127.0.0.1', agentPort: agent.port } }, services: [] }));
  });
  after(async () => {
    await agent.stop();
    await proxy.stop();
    pki.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is not used: lvsctl health reaches the agent directly and ends, the proxy never dialled', async () => {
    const url = `http://127.0.0.1:${proxy.port}`;
    const env = {
      ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('LVSCTL_') && !/_proxy$/i.test(name))),
      https_proxy: url, http_proxy: url, grpc_proxy: url, HTTPS_PROXY: url,
    };
    const started = Date.now();
    const exit = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [LVSCTL, 'health', plan, '--ca', pki.controller.ca, '--cert', pki.controller.cert, '--key', pki.controller.key, '--timeout', '2s', '--deadline', '10s'], { env });
      let stdout = '';
      let stderr = '';
      const killer = setTimeout(() => child.kill('SIGKILL'), 40_000);
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('exit', (code) => {
        clearTimeout(killer);
        resolve({ code, stdout, stderr });
      });
    });

    assert.ok(Date.now() - started < 30_000, `still running long past --deadline 10s: ${JSON.stringify(exit)}`);
    assert.notEqual(exit.code, 3, `the agent was not reached: ${exit.stdout}${exit.stderr}`);
    assert.notEqual(exit.code, null, 'killed');
    assert.equal(proxy.connections(), 0, 'the proxy was dialled');
  });
});
