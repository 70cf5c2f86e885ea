// "Every fleet command ends within its bound" (docs/reliability.md): the built lvsctl, as a
// child process, against peers that misbehave on 127.0.0.1. The child exiting by itself is
// the proof that nothing keeps its event loop alive; how long it took is never asserted,
// only that it ended before a generous bound.
import assert from 'assert';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { makeTestPki, type TestPki } from './support/pki';
import { startSilentTcp, startSilentTls, type SilentPeer } from './support/silent-peers';
import { startHostileHttp2, type HostileBehaviour, type HostilePeer } from './support/hostile-http2-peers';
import { startFakeAgent, type FakeAgent } from './support/fake-agent-server';
import { startAgentProcess, type AgentProcess } from './support/agent-process';
import { startTestAgent, type TestAgent } from './support/agent-harness';
import { startDirectorWithHealth, type HealthTestAgent } from './support/health-agent';
import { runLvsctl, shown, type LvsctlExit } from './support/lvsctl-process';
import { writeLoopbackPlan } from './support/loopback-plan';

const FLEET_COMMANDS = ['rollout', 'health', 'status', 'connections'] as const;
/** a bound for the test, far above any --timeout or --deadline used here */
const KILL_AFTER_MS = 40_000;

function assertEnded(exit: LvsctlExit, code: number): void {
  assert.strictEqual(exit.killed, false, `still running after ${KILL_AFTER_MS} ms: ${shown(exit)}`);
  assert.strictEqual(exit.code, code, shown(exit));
}

describe('every fleet command ends within its bound', function () {
  this.timeout(60_000);
  let pki: TestPki;
  let dir: string;
  const tlsArgs = (): string[] => ['--ca', pki.controller.ca, '--cert', pki.controller.cert, '--key', pki.controller.key];

  before(async () => {
    pki = await makeTestPki();
    dir = mkdtempSync(join(tmpdir(), 'lvsctl-bounds-'));
  });
  after(() => {
    pki.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('a silent TCP listener (accepts the connection, never writes)', () => {
    let silent: SilentPeer;
    let plan: string;
    before(async () => {
      silent = await startSilentTcp();
      plan = writeLoopbackPlan(dir, 'silent-tcp', { lvs1: silent.port, web1: silent.port });
    });
    after(() => silent.stop());

    for (const command of FLEET_COMMANDS) {
      it(`lvsctl ${command} exits 3 once --timeout passed, saying the TLS handshake never came, not blaming a certificate`, async () => {
        const exit = await runLvsctl([command, plan, ...tlsArgs(), '--timeout', '1s', '--deadline', '20s'], { killAfterMs: KILL_AFTER_MS });
        assertEnded(exit, 3);
        assert.match(exit.stdout, /lvs1.*accepted the TCP connection but did not complete the TLS handshake within 1000 ms \(--timeout\)/);
        assert.doesNotMatch(exit.stdout + exit.stderr, /certificate/);
      });
    }

    for (const command of FLEET_COMMANDS) {
      it(`lvsctl ${command} with --deadline 2s and --timeout 30s ends at the deadline, not a --timeout later (the handshake's timer held it)`, async () => {
        // 20 s: far past the deadline, far short of the 30 s --timeout the process outlived it by
        const exit = await runLvsctl([command, plan, ...tlsArgs(), '--timeout', '30s', '--deadline', '2s'], { killAfterMs: 20_000 });
        assert.strictEqual(exit.killed, false, `still running 18 s after its --deadline: ${shown(exit)}`);
        assert.strictEqual(exit.code, 3, shown(exit));
        assert.match(exit.stdout, /lvs1.*did not complete the TLS handshake before the command's deadline \(--deadline 2s\)/);
      });
    }

    it('lvsctl health --watch exits 3 when no agent sends its first report within --timeout', async () => {
      const exit = await runLvsctl(['health', plan, '--watch', ...tlsArgs(), '--timeout', '1s'], { killAfterMs: KILL_AFTER_MS });
      assertEnded(exit, 3);
      assert.match(exit.stdout, /lvs1: unreachable: .*did not complete the TLS handshake within 1000 ms \(--timeout\)/);
      assert.match(exit.stdout, /web1: unreachable: /);
    });

    it('with --insecure: exits 3, saying the peer took the TCP connection and then sent nothing', async () => {
      const exit = await runLvsctl(['status', plan, '--insecure', '--timeout', '1s', '--deadline', '20s'], { killAfterMs: KILL_AFTER_MS });
      assertEnded(exit, 3);
      assert.match(exit.stdout, /took the TCP connection but then sent nothing within 1000 ms \(--timeout\), not even the HTTP\/2 greeting/);
    });
  });

  describe('a TLS peer with a real certificate that completes the handshake and never answers gRPC', () => {
    let silent: SilentPeer;
    let plan: string;
    before(async () => {
      silent = await startSilentTls(pki.agent);
      plan = writeLoopbackPlan(dir, 'silent-tls', { lvs1: silent.port, web1: silent.port });
    });
    after(() => silent.stop());

    for (const command of FLEET_COMMANDS) {
      it(`lvsctl ${command} exits 3, saying the handshake completed and nothing followed`, async () => {
        const exit = await runLvsctl([command, plan, ...tlsArgs(), '--timeout', '1s', '--deadline', '20s'], { killAfterMs: KILL_AFTER_MS });
        assertEnded(exit, 3);
        assert.ok(silent.connections() > 0, 'the TLS handshake never completed');
        assert.match(exit.stdout, /lvs1.*completed the TLS handshake but then sent nothing within 1000 ms \(--timeout\), not even the HTTP\/2 greeting/);
        assert.doesNotMatch(exit.stdout + exit.stderr, /certificate/);
      });
    }
  });

  describe('agents that answer too slowly', () => {
    let director: FakeAgent;
    let realserver: FakeAgent;
    let plan: string;
    before(async () => {
      director = await startFakeAgent({ role: 'director', tls: pki.agent, helloDelayMs: 20_000 });
      realserver = await startFakeAgent({ role: 'realserver', tls: pki.agent, helloDelayMs: 20_000 });
      plan = writeLoopbackPlan(dir, 'slow', { lvs1: director.port, web1: realserver.port });
    });
    after(async () => {
      await director.stop();
      await realserver.stop();
    });

    it('lvsctl rollout exits 3 once --timeout passed, saying the agent is connected but gave no answer', async () => {
      const exit = await runLvsctl(['rollout', plan, ...tlsArgs(), '--timeout', '1s', '--deadline', '20s'], { killAfterMs: KILL_AFTER_MS });
      assertEnded(exit, 3);
      assert.match(exit.stdout, /lvs1 +unreachable +agent of lvs1 at 127\.0\.0\.1:\d+ is connected but gave no answer within 1000 ms \(--timeout\)/);
    });

    it('lvsctl rollout with a --deadline shorter than --timeout ends at the deadline, naming it', async () => {
      const exit = await runLvsctl(['rollout', plan, ...tlsArgs(), '--timeout', '10s', '--deadline', '4s'], { killAfterMs: KILL_AFTER_MS });
      assertEnded(exit, 3);
      assert.match(exit.stdout, /lvs1 +unreachable +.*gave no answer before the command's deadline \(--deadline 4s\)/);
    });
  });

  describe('an apply stream that stops mid-apply', () => {
    let realserver: TestAgent;
    before(async () => {
      realserver = await startTestAgent({ role: 'realserver', tls: pki.agent });
    });
    after(() => realserver.stop());

    it('an agent that sends one event and goes silent: lvsctl rollout ends at --deadline with exit 3, naming the last event', async () => {
      const director = await startFakeAgent({
        role: 'director', tls: pki.agent,
        applyEvents: [{ kind: 'step', action: 'read-state', target: 'lvs1', status: 'ok', message: 'read the kernel state' }],
      });
      try {
        // 8 s: the realserver phase before it must fit on a loaded 2-core machine (4 s did not, at load 14)
        const plan = writeLoopbackPlan(dir, 'stalls', { lvs1: director.port, web1: realserver.port });
        const exit = await runLvsctl(['rollout', plan, ...tlsArgs(), '--timeout', '1s', '--deadline', '8s'], { killAfterMs: KILL_AFTER_MS });
        assertEnded(exit, 3);
        assert.strictEqual(director.applies(), 1, 'the director was never applied');
        assert.match(exit.stdout, /lvs1 +unreachable +agent of lvs1 at 127\.0\.0\.1:\d+: the apply stream stopped mid-apply after 1 event \(the last, step read-state lvs1, [\d.]+ s before\): no result before the command's deadline \(--deadline 8s\)/);
        assert.match(exit.stdout, /web1 : ok=\d+ changed=\d+ failed=0 unreachable=0/);
        assert.doesNotMatch(exit.stdout + exit.stderr, /certificate/);
      } finally {
        await director.stop();
      }
    });

    it('a real agent SIGKILLed mid-apply: lvsctl rollout exits 3, saying the connection dropped, not blaming the certificate', async () => {
      const director: AgentProcess = await startAgentProcess('director', pki.agent);
      try {
        const plan = writeLoopbackPlan(dir, 'killed', { lvs1: director.port, web1: realserver.port });
        let killed = false;
        const exit = await runLvsctl(['rollout', plan, ...tlsArgs(), '--timeout', '2s'], {
          killAfterMs: KILL_AFTER_MS,
          // the director's first step is on screen: the apply is under way, kill its agent
          onStdout: (out) => {
            if (!killed && /lvs1 .*read-state/.test(out)) {
              killed = true;
              director.kill();
            }
          },
        });
        assert.ok(killed, `the director's apply never started: ${shown(exit)}`);
        assertEnded(exit, 3);
        assert.match(exit.stdout, /lvs1 +unreachable +agent of lvs1 at 127\.0\.0\.1:\d+: the apply stream stopped mid-apply after 1 event \(the last, step read-state lvs1, [\d.]+ s before\): the connection dropped/);
        assert.doesNotMatch(exit.stdout + exit.stderr, /certificate/);
      } finally {
        await director.stop();
      }
    });
  });

  describe('lvsctl health --watch', () => {
    let agent: HealthTestAgent;
    before(async () => {
      agent = await startDirectorWithHealth({ heartbeatMs: 200 });
    });
    after(() => agent.stop());

    it('ends by itself at --deadline, exit 0, after streaming the first reports', async () => {
      const plan = writeLoopbackPlan(dir, 'watch', { lvs1: agent.port, web1: agent.port });
      const exit = await runLvsctl(['health', plan, '--watch', '--json', '--insecure', '--timeout', '5s', '--deadline', '8s'], { killAfterMs: KILL_AFTER_MS });
      assertEnded(exit, 0);
      const kinds = exit.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { host: string; kind: string }));
      assert.ok(kinds.some((k) => k.host === 'lvs1' && k.kind === 'report'), exit.stdout);
      assert.ok(kinds.some((k) => k.host === 'web1' && k.kind === 'report'), exit.stdout);
    });
  });

  // A peer that breaks the gRPC conversation could not be asked: the host is unreachable
  // (exit 3) in every command, as rollout always said, never "failed" with "answered INTERNAL".
  const hostileCases: Array<[HostileBehaviour, RegExp]> = [
    ['goaway', /lvs1:? +unreachable:? +agent of lvs1 at 127\.0\.0\.1:\d+ broke off the call \(Received RST_STREAM with code 1\), which lvsctl-agent never does/],
    ['oversized-answer', /lvs1:? +unreachable:? +agent of lvs1 at 127\.0\.0\.1:\d+ broke off the call \(Received message larger than max \(2147483647 vs \d+\)\)/],
  ];
  for (const [behaviour, said] of hostileCases) {
    describe(`a hostile HTTP/2 peer that sends ${behaviour === 'goaway' ? 'GOAWAY as soon as the connection is up' : 'a length prefix of 2 GiB as its answer'}`, () => {
      let peer: HostilePeer;
      let plan: string;
      before(async () => {
        peer = await startHostileHttp2(pki.agent, behaviour);
        plan = writeLoopbackPlan(dir, behaviour, { lvs1: peer.port, web1: peer.port });
      });
      after(() => peer.stop());

      for (const command of FLEET_COMMANDS) {
        it(`lvsctl ${command} exits 3 (unreachable), saying what the peer did`, async () => {
          const exit = await runLvsctl([command, plan, ...tlsArgs(), '--timeout', '2s', '--deadline', '20s'], { killAfterMs: KILL_AFTER_MS });
          assertEnded(exit, 3);
          assert.match(exit.stdout, said, shown(exit));
        });
      }
    });
  }
});
