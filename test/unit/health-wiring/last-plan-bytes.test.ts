import assert from 'assert';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import type { DirectorPlan, DirectorService } from '../../../lvs/host-plan';
import { hostPlanToWire } from '../../../lvs/wire/host-plan-encode';
import { loadAgentProto } from '../../../lvs/wire/proto-loader';
import { applyRequestBytes, SERVICES_PER_SLICE } from '../../../agent/state/last-plan-bytes';
import { lastPlanFilePath, readLastPlan, writeLastPlan } from '../../../agent/state/last-plan';

/** Services of every shape the wire knows: TCP, UDP, IPv6, fwmark, persistence, flags, a health check with a sorry server. */
function service(i: number): DirectorService {
  const rs = (n: number, forwarding: 'dr' | 'nat' = 'dr', port = 80) =>
    Array.from({ length: n }, (_, r) => ({ host: `rs${i}-${r}`, destination: { address: `10.1.${i % 250}.${r + 1}`, port, weight: r, forwarding } }));
  switch (i % 4) {
    case 0:
      return { name: `web${i}`, service: { key: { kind: 'tcp', vip: `10.0.${i % 250}.${i % 7}`, port: 1000 + i }, scheduler: 'wlc', flags: [] }, realservers: rs(3) };
    case 1:
      return {
        name: `dns${i}`,
        service: { key: { kind: 'udp', vip: '2001:db8::1', port: 1000 + i }, scheduler: 'sh', flags: ['sh-port'], persistence: { timeout: 300, netmask: '64' } },
        realservers: [{ host: 'v6', destination: { address: '2001:db8::2', port: 53, weight: 1, forwarding: 'nat' } }],
      };
    case 2:
      return { name: `mark${i}`, service: { key: { kind: 'fwmark', mark: i, family: 'inet' }, scheduler: 'rr', flags: [], persistence: { timeout: 360 } }, realservers: rs(2, 'dr', 0) };
    default:
      return {
        name: `shop${i}`,
        service: { key: { kind: 'tcp', vip: '10.9.9.9', port: 1000 + i }, scheduler: 'wrr', flags: [] },
        realservers: rs(2, 'nat', 8080),
        healthCheck: { type: 'http', port: 8080, path: '/health', expectStatus: 200, intervalMs: 2000, timeoutMs: 1000, fall: 3, rise: 2, allDown: 'quiesce' },
        sorryServer: { address: '10.8.8.8', port: 8080, weight: 0, forwarding: 'nat' },
      };
  }
}

function plan(services: number): DirectorPlan {
  return {
    role: 'director', cluster: 'shop', host: 'lvs1', generation: 42,
    services: Array.from({ length: services }, (_, i) => service(i)),
    marks: [{ mark: 2, protocol: 'tcp', destination: '10.0.0.100', ports: ['80', '443'] }, { mark: 6, protocol: 'udp', destination: '10.0.0.200', ports: ['5000:5010'], inInterface: 'eth0' }],
  };
}

describe('the last plan, encoded a slice of services at a time', () => {
  it('gives the very bytes of the whole ApplyRequest, at every size around a slice', async () => {
    const serialize = loadAgentProto().lvsctl.v1.Agent.service.Apply.requestSerialize;
    for (const n of [0, 1, SERVICES_PER_SLICE, SERVICES_PER_SLICE + 1, 2 * SERVICES_PER_SLICE + 7]) {
      const p = plan(n);
      const whole = serialize({ mode: 'APPLY_MODE_APPLY', plan: hostPlanToWire(p) });
      assert.ok((await applyRequestBytes(p)).equals(whole), `${n} services`);
      const noMarks = { ...p, marks: [] };
      assert.ok((await applyRequestBytes(noMarks)).equals(serialize({ mode: 'APPLY_MODE_APPLY', plan: hostPlanToWire(noMarks) })), `${n} services, no marks`);
    }
  });

  it('is written as the same JSON envelope and reads back as the plan', async function () {
    this.timeout(30_000);
    const dir = mkdtempSync(join(tmpdir(), 'lvsctl-last-plan-'));
    try {
      // big enough for its base64 to be made in several slices (768 KiB of bytes each)
      const p = plan(8_000);
      await writeLastPlan(dir, p);
      const text = readFileSync(lastPlanFilePath(dir), 'utf8');
      const json = JSON.parse(text) as Record<string, unknown>;
      assert.ok(String(json.plan).length > (4 / 3) * 768 * 1024, `${String(json.plan).length} base64 characters`);
      assert.deepStrictEqual(Object.keys(json), ['version', 'host', 'role', 'generation', 'plan']);
      assert.strictEqual(text, JSON.stringify(json) + '\n');
      assert.deepStrictEqual(await readLastPlan(dir), p);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
