import assert from 'assert';
import { credentials, status, type ServiceError } from '@grpc/grpc-js';
import type { StatusSource } from '../../lvs/status';
import { loadAgentProto } from '../../lvs/wire/proto-loader';
import type { StatusReply__Output } from '../../proto/generated/lvsctl/v1/StatusReply';
import { startTestAgent, type TestAgent } from './support/agent-harness';

function askStatus(port: number): Promise<{ reply?: StatusReply__Output; error?: ServiceError }> {
  const Agent = loadAgentProto().lvsctl.v1.Agent;
  const client = new Agent(`127.0.0.1:${port}`, credentials.createInsecure());
  return new Promise((resolve) => {
    client.status({}, { deadline: Date.now() + 5000 }, (error, reply) => {
      client.close();
      resolve(error ? { error } : { reply });
    });
  });
}

const table: StatusSource = {
  read: async () => [
    {
      service: { key: { kind: 'fwmark', mark: 1, family: 'inet' }, scheduler: 'rr', flags: [], persistence: { timeout: 360 } },
      managed: true,
      destinations: [
        { destination: { address: '10.0.0.11', port: 0, weight: 1, forwarding: 'dr' }, activeConnections: 3, inactiveConnections: 12 },
      ],
    },
  ],
};

describe('Status over gRPC', () => {
  let agent: TestAgent | undefined;
  afterEach(async () => {
    await agent?.stop();
    agent = undefined;
  });

  it('reports a director\'s table with its counters', async () => {
    agent = await startTestAgent({ status: table });
    const { reply } = await askStatus(agent.port);
    assert.strictEqual(reply?.host, 'lvs1');
    assert.deepStrictEqual(reply?.services[0].destinations[0], {
      destination: { address: '10.0.0.11', port: 0, weight: 1, forwarding: 'FORWARDING_DR' },
      activeConnections: '3',
      inactiveConnections: '12',
      // the source gave no --stats counters
      stats: null,
    });
    assert.strictEqual(reply?.services[0].service?.key?.fwmark?.mark, 1);
    assert.strictEqual(reply?.services[0].managed, true);
  });

  it('says what is missing and its fix, as a rollout does, when the director cannot read IPVS (no raw ipvsadm stderr)', async () => {
    agent = await startTestAgent({
      status: { read: async () => { throw new Error("ipvsadm -L -n --exact: exited with status 2: Can't initialize ipvs: Protocol not available\nAre you sure that IP Virtual Server is built in the kernel or as module?"); } },
      preconditions: { check: async () => [{ subject: 'ip_vs', message: 'the kernel has no IPVS (/proc/net/ip_vs is missing)', fix: 'modprobe ip_vs' }] },
    });
    const { error } = await askStatus(agent.port);
    assert.strictEqual(error?.code, status.FAILED_PRECONDITION);
    assert.strictEqual(error?.details, 'the kernel has no IPVS (/proc/net/ip_vs is missing) (fix: modprobe ip_vs)');
  });

  it('answers FAILED_PRECONDITION on a realserver, which has no IPVS table', async () => {
    agent = await startTestAgent({ role: 'realserver', status: table });
    const { error } = await askStatus(agent.port);
    assert.strictEqual(error?.code, status.FAILED_PRECONDITION);
    assert.match(error?.details ?? '', /this agent is a realserver: only a director has an IPVS table/);
  });

  it('answers UNIMPLEMENTED, saying so, when the agent has no table reader', async () => {
    agent = await startTestAgent({});
    const { error } = await askStatus(agent.port);
    assert.strictEqual(error?.code, status.UNIMPLEMENTED);
    assert.match(error?.details ?? '', /no IPVS status reader yet/);
  });
});
