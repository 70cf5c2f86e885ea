// The keepalived-level health checks in plan.json: each option with its own type only, the
// options a type needs, timeouts inside the check; and the way from a plan through
// compile and real protobuf bytes to the agent's HealthCheckSpec, checked again there.
import assert from 'assert';
import { compileHostPlans } from '../../../controller/plan/compile';
import { planSchema } from '../../../controller/plan/schema';
import type { DirectorPlan, HealthCheckSpec, HostPlan } from '../../../lvs/host-plan';
import { WireFieldError } from '../../../lvs/wire/checks';
import { hostPlanFromWire } from '../../../lvs/wire/host-plan-decode';
import { hostPlanToWire } from '../../../lvs/wire/host-plan-encode';
import { wireMessage } from '../wire/wire-messages';
import { expectProblem, expectValid, planWith, type Json } from './helpers';

const HostPlanType = wireMessage('HostPlan');
const roundTrip = (plan: HostPlan): HostPlan => hostPlanFromWire(HostPlanType.deserialize(HostPlanType.serialize(hostPlanToWire(plan))));

const web = (healthCheck: Json, extra: Record<string, Json> = {}): Json =>
  ({ name: 'web', vip: '10.0.0.100', port: 443, realservers: [{ host: 'web1' }, { host: 'web2' }], healthCheck, ...extra });

function compiledCheck(healthCheck: Json, extra: Record<string, Json> = {}): HealthCheckSpec {
  expectValid(planWith([web(healthCheck, extra)]));
  const plan = planSchema.parse(planWith([web(healthCheck, extra)]));
  const addresses = new Map([['lvs1', '10.0.0.1'], ['web1', '10.0.0.11'], ['web2', '10.0.0.12']]);
  const director = compileHostPlans(plan, addresses, 1).get('lvs1') as DirectorPlan;
  const wire = roundTrip(director) as DirectorPlan;
  assert.deepStrictEqual(wire, director, 'the agent must decode what the controller compiled');
  const hc = wire.services[0].healthCheck;
  assert.ok(hc);
  return hc;
}

describe('plan: health checks at keepalived\'s level', () => {
  it('an https check with Host, a status set, a digest, TLS and both timeouts validates and reaches the agent whole', () => {
    const hc = compiledCheck({
      type: 'https', path: '/health', host: 'shop.example.test', expectStatus: [200, 204],
      bodyDigest: 'md5:0123456789ABCDEF0123456789abcdef', tls: { verify: true, caFile: '/etc/lvsctl/ca.pem', serverName: 'shop.example.test' },
      connectTimeout: '200ms', readTimeout: '300ms', interval: '2s', timeout: '1s',
    });
    assert.deepStrictEqual(hc, {
      type: 'https', port: 443, path: '/health', expectStatus: 0, intervalMs: 2000, timeoutMs: 1000, fall: 3, rise: 2,
      connectTimeoutMs: 200, readTimeoutMs: 300,
      http: { hostHeader: 'shop.example.test', statuses: [200, 204], bodyDigest: { algorithm: 'md5', hex: '0123456789abcdef0123456789abcdef' } },
      tls: { verify: true, caFile: '/etc/lvsctl/ca.pem', serverName: 'shop.example.test' },
    });
  });

  it('https without tls does not verify (keepalived\'s SSL_GET) and checks the service port', () => {
    const hc = compiledCheck({ type: 'https' });
    assert.deepStrictEqual({ port: hc.port, tls: hc.tls, path: hc.path }, { port: 443, tls: { verify: false }, path: '/' });
  });

  it('udp takes its payload as text or hex; dns its question; exec its command with placeholders', () => {
    assert.deepStrictEqual(compiledCheck({ type: 'udp', udp: { send: 'ping', expect: 'pong' }, readTimeout: '200ms' }).udp,
      { sendHex: '70696e67', expectHex: '706f6e67' });
    assert.deepStrictEqual(compiledCheck({ type: 'udp', udp: { sendHex: '00FF', expectRegex: '^ok' } }).udp, { sendHex: '00ff', expectRegex: '^ok' });
    const dns = compiledCheck({ type: 'dns', dns: { name: 'www.example.test', expect: ['10.0.0.100'] } }, { protocol: 'udp', port: 0, persistence: { timeout: 300 } });
    assert.deepStrictEqual({ port: dns.port, dns: dns.dns }, { port: 53, dns: { name: 'www.example.test', recordType: 'A', expect: ['10.0.0.100'] } });
    assert.deepStrictEqual(compiledCheck({ type: 'exec', exec: { command: '/etc/lvsctl/checks/db', args: ['{address}', '{port}'], uid: 65534, gid: 65534 } }).exec,
      { command: '/etc/lvsctl/checks/db', args: ['{address}', '{port}'], uid: 65534, gid: 65534 });
  });

  it('an option of another type is refused at its place, with the types it belongs to', () => {
    expectProblem(planWith([web({ type: 'tcp', bodyRegex: 'ok' })]), '/services/0/healthCheck/bodyRegex', /"bodyRegex" does not apply to a "tcp" check/);
    expectProblem(planWith([web({ type: 'http', tls: { verify: true } })]), '/services/0/healthCheck/tls', /"tls" does not apply to a "http" check/);
    expectProblem(planWith([web({ type: 'exec', exec: { command: '/x' }, readTimeout: '100ms' })]), '/services/0/healthCheck/readTimeout', /waits for no answer of its own/);
    expectProblem(planWith([web({ type: 'udp', connectTimeout: '100ms' })]), '/services/0/healthCheck/connectTimeout', /makes no TCP connection/);
    expectProblem(planWith([web({ type: 'tcp', path: '/x' })]), '/services/0/healthCheck/path', /does not apply to a "tcp" check/);
  });

  it('a type without what it needs, both forms of one value, and timeouts beyond the check are refused', () => {
    expectProblem(planWith([web({ type: 'dns' })]), '/services/0/healthCheck/dns', /needs the question/);
    expectProblem(planWith([web({ type: 'exec' })]), '/services/0/healthCheck/exec', /needs the command/);
    expectProblem(planWith([web({ type: 'udp', udp: { send: 'a', sendHex: '61' } })]), '/services/0/healthCheck/udp', /"send" and "sendHex"/);
    expectProblem(planWith([web({ type: 'https', tls: { caFile: '/ca.pem' } })]), '/services/0/healthCheck/tls', /only read when the certificate is verified/);
    expectProblem(planWith([web({ type: 'https', tls: { verify: true, caFile: '/ca.pem\nx' } })]), '/services/0/healthCheck/tls/caFile', /^must be a path without control characters/);
    expectProblem(planWith([web({ type: 'http', timeout: '500ms', readTimeout: '800ms' })]), '/services/0/healthCheck/readTimeout', /longer than the whole check's timeout/);
  });

  it('bad values are refused by the schema: a regex that does not compile, a digest of the wrong length, a relative command', () => {
    expectProblem(planWith([web({ type: 'http', bodyRegex: '(' })]), '/services/0/healthCheck/bodyRegex', /valid JavaScript regular expression/);
    expectProblem(planWith([web({ type: 'http', bodyDigest: 'md5:abc' })]), '/services/0/healthCheck/bodyDigest', /"md5:" and 32 hex digits/);
    expectProblem(planWith([web({ type: 'exec', exec: { command: 'check-db' } })]), '/services/0/healthCheck/exec/command', /absolute path/);
    expectProblem(planWith([web({ type: 'dns', dns: { name: 'www.example.test', type: 'ANY' } })]), '/services/0/healthCheck/dns/type', /./);
  });

  it('a dns or exec check needs no port on a firewall-mark service; a tcp one still does', () => {
    const marks: Json[] = [{ mark: 1, protocol: 'udp', destination: '10.0.0.100', ports: ['53'] }];
    const fw = (healthCheck: Json): Json => ({ name: 'dns', fwmark: 1, realservers: [{ host: 'web1' }], healthCheck });
    expectValid(planWith([fw({ type: 'dns', dns: { name: 'www.example.test' } })], marks));
    expectProblem(planWith([fw({ type: 'tcp' })], marks), '/services/0/healthCheck', /no single port/);
  });
});

describe('wire: the agent checks the new options again', () => {
  function refusal(edit: (hc: HealthCheckSpec) => void): string {
    const plan = planSchema.parse(planWith([web({ type: 'https' })]));
    const director = compileHostPlans(plan, new Map([['lvs1', '10.0.0.1'], ['web1', '10.0.0.11'], ['web2', '10.0.0.12']]), 1).get('lvs1') as DirectorPlan;
    const hc = director.services[0].healthCheck;
    assert.ok(hc);
    edit(hc);
    try {
      roundTrip(director);
    } catch (err) {
      assert.ok(err instanceof WireFieldError, String(err));
      return err.message;
    }
    return assert.fail('accepted');
  }

  it('refuses options of another type, a bad regex, a short digest, a relative exec command', () => {
    assert.match(refusal((hc) => { hc.udp = { sendHex: '00' }; }), /healthCheck\.udp: applies to udp checks only, not to a "https" check/);
    assert.match(refusal((hc) => { hc.http = { bodyRegex: '[' }; }), /healthCheck\.http\.bodyRegex: is not a valid regular expression/);
    assert.match(refusal((hc) => { hc.http = { bodyDigest: { algorithm: 'sha256', hex: 'ab' } }; }), /an sha256 digest has 64 hex digits/);
    assert.match(refusal((hc) => { hc.type = 'exec'; hc.tls = undefined; hc.exec = { command: 'db', args: [] }; }), /exec\.command: must be an absolute path/);
    assert.match(refusal((hc) => { hc.type = 'dns'; hc.tls = undefined; }), /healthCheck\.dns: is missing/);
  });
});

describe('compile: the port a realserver checks it listens on', () => {
  it('none for a UDP service (the realserver reads /proc/net/tcp only), the service port for TCP', () => {
    const plan = planSchema.parse(planWith([
      { name: 'dns', protocol: 'udp', vip: '10.0.0.100', port: 53, realservers: [{ host: 'web1' }], healthCheck: { type: 'dns', dns: { name: 'www.example.test' } } },
      { name: 'web', vip: '10.0.0.100', port: 443, realservers: [{ host: 'web1' }], healthCheck: { type: 'https' } },
    ]));
    const web1 = compileHostPlans(plan, new Map([['lvs1', '10.0.0.1'], ['web1', '10.0.0.11'], ['web2', '10.0.0.12']]), 1).get('web1');
    assert.ok(web1?.role === 'realserver');
    assert.deepStrictEqual(web1.duties.map((d) => [d.service, d.ports]), [['dns', undefined], ['web', [443]]]);
  });
});
