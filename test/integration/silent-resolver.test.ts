// A resolver that takes every query and never answers (docs/plan-reference.md, "How host
// addresses resolve"): the real lvsctl validate, in a network and mount namespace of the test's
// own whose /etc/resolv.conf points at a silent UDP socket on its lo. One lookup's 5 s (or the
// resolver's own shorter timeout) and no more names asked: the command ends after the lookups
// in flight, not after every pair of hosts. Without unshare (not root) the suite says so loudly
// and skips; in CI (CI=true) that is a failure.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../temp-dirs';

const CHILD = join(__dirname, 'support', 'silent-resolver-child.js');

interface ChildResult { code: number | null; stdout: string; stderr: string; killed: boolean; ms: number; queries: number }

function inNamespace(resolvConf: string, plan: string): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    execFile('unshare', ['--net', '--mount', '--', process.execPath, CHILD, resolvConf, plan], { timeout: 90_000 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`${error.message}\n${stderr}`));
      resolve(JSON.parse(stdout) as ChildResult);
    });
  });
}

/** eight realservers without an address, each to be looked up */
function planOfUnresolvedHosts(count: number): unknown {
  const hosts: Record<string, unknown> = { lvs1: { role: 'director', address: '10.0.0.1' } };
  for (let i = 0; i < count; i++) hosts[`rs${i}`] = { role: 'realserver' };
  return { apiVersion: 'lvsctl/v1', cluster: 'shop', hosts, services: [] };
}

describe('lvsctl validate against a resolver that never answers', function () {
  this.timeout(120_000);
  let dir: string;
  let plan: string;

  before(async function () {
    dir = await tempDir('lvsctl-silent-resolver-');
    plan = join(dir, 'plan.json');
    writeFileSync(plan, JSON.stringify(planOfUnresolvedHosts(8)));
    const probe = await new Promise<string | undefined>((resolve) => {
      execFile('unshare', ['--net', '--mount', '--', 'true'], (error) => resolve(error ? error.message : undefined));
    });
    if (probe === undefined) return;
    const message = `the silent-resolver tests need a network and mount namespace of their own (unshare --net --mount, as root): ${probe}`;
    if (process.env.CI === 'true') throw new Error(`${message} (CI=true: a missing capability is a failure)`);
    console.warn(`\n  *** SKIPPED: ${message}\n`);
    this.skip();
  });

  it('gives up after one lookup\'s 5 s, asks no more names, and ends when the lookups in flight do (8 hosts, the resolver\'s own timeout 8 s)', async () => {
    const resolvConf = join(dir, 'resolv-8s.conf');
    writeFileSync(resolvConf, 'nameserver 127.0.0.1\noptions timeout:8 attempts:1\n');
    const result = await inNamespace(resolvConf, plan);
    assert.equal(result.killed, false, JSON.stringify(result));
    assert.equal(result.code, 1, JSON.stringify(result));
    assert.ok(result.queries > 0, 'the lookups reached the silent resolver');
    assert.match(result.stderr, /\/hosts\/rs0: cannot resolve host "rs0": .*\(no answer within 5 s: check the resolvers in \/etc\/resolv\.conf\)/);
    const notAsked = result.stderr.split('\n').filter((l) => /not looked up: the lookup of "rs[01]" had no answer within 5 s/.test(l));
    assert.equal(notAsked.length, 6, result.stderr);
    // 2 lookups at a time, each held by the resolver for 8 s: the old way took 4 rounds, 32 s
    assert.ok(result.ms < 25_000, `ended after ${result.ms} ms`);
  });

  it('stops at the resolver\'s own giving up too (EAI_AGAIN, its timeout 1 s)', async () => {
    const resolvConf = join(dir, 'resolv-1s.conf');
    writeFileSync(resolvConf, 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n');
    const result = await inNamespace(resolvConf, plan);
    assert.equal(result.code, 1, JSON.stringify(result));
    assert.match(result.stderr, /\(the resolver gave up \(EAI_AGAIN\): check the resolvers in \/etc\/resolv\.conf\)/);
    assert.equal(result.stderr.split('\n').filter((l) => /not looked up: the resolver gave up on "rs[01]" \(EAI_AGAIN\)/.test(l)).length, 6, result.stderr);
  });
});
