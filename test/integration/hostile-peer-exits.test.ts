// The same misbehaving peer gets the same answer from every fleet command: a peer that
// breaks the gRPC conversation (GOAWAY at once, an answer over every size limit) could not
// be asked, so the host is unreachable (exit 3), as rollout has always said, never "failed".
import assert from 'assert';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { makeTestPki, type TestPki } from './support/pki';
import { startHostileHttp2, type HostileBehaviour, type HostilePeer } from './support/hostile-http2-peers';
import { runLvsctl, shown } from './support/lvsctl-process';
import { writeLoopbackPlan } from './support/loopback-plan';

const FLEET_COMMANDS = ['rollout', 'health', 'status', 'connections'] as const;
const KILL_AFTER_MS = 40_000;

describe('a hostile HTTP/2 peer gets one exit code from every fleet command', function () {
  this.timeout(60_000);
  let pki: TestPki;
  let dir: string;
  const tlsArgs = (): string[] => ['--ca', pki.controller.ca, '--cert', pki.controller.cert, '--key', pki.controller.key];

  before(async () => {
    pki = await makeTestPki();
    dir = mkdtempSync(join(tmpdir(), 'lvsctl-hostile-'));
  });
  after(() => {
    pki.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  const cases: Array<[HostileBehaviour, RegExp]> = [
    ['goaway', /lvs1:? +unreachable:? +agent of lvs1 at 127\.0\.0\.1:\d+ broke off the call \(Received RST_STREAM with code 1\), which lvsctl-agent never does/],
    ['oversized-answer', /lvs1:? +unreachable:? +agent of lvs1 at 127\.0\.0\.1:\d+ broke off the call \(Received message larger than max \(2147483647 vs \d+\)\)/],
  ];
  for (const [behaviour, said] of cases) {
    describe(`a peer that sends ${behaviour === 'goaway' ? 'GOAWAY as soon as the connection is up' : 'a length prefix of 2 GiB as its answer'}`, () => {
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
          assert.strictEqual(exit.killed, false, shown(exit));
          assert.match(exit.stdout, said, shown(exit));
          assert.strictEqual(exit.code, 3, shown(exit));
        });
      }
    });
  }
});
