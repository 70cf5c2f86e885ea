import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveAddresses, type HostLookup } from '../../../controller/inventory/resolve';
import { sshHostNamesFromText } from '../../../controller/inventory/ssh-config';
import type { Plan } from '../../../controller/plan/schema';
import { validatePlan } from '../../../controller/plan/validate';

function planOf(hosts: Record<string, { role: 'director' | 'realserver'; address?: string }>): Plan {
  // Every plan needs a director; one with its address adds nothing to resolve.
  const all = { lvs0: { role: 'director', address: '10.0.0.254' }, ...hosts };
  const result = validatePlan({ apiVersion: 'lvsctl/v1', cluster: 't', hosts: all, services: [] });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.plan;
}

/** A fake DNS: a table, and a record of what was asked. */
function fakeDns(table: Record<string, string[]>): { lookup: HostLookup; asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    lookup: async (name) => {
      asked.push(name);
      const found = table[name];
      if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
      return found;
    },
  };
}

const SSH_CONFIG = [
  'Host web1',
  '  HostName 192.0.2.11',
  '',
  'Host web-* !web-bad',
  '  HostName %h.lab.example',
  '  User deploy',
  '',
  'Host db',
  '  HostName 192.0.2.31',
  'Host db',
  '  HostName 192.0.2.99',
  '',
].join('\n');

describe('address resolution', () => {
  let dir: string;
  let sshConfig: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'lvsctl-ssh-'));
    sshConfig = join(dir, 'config');
    writeFileSync(sshConfig, SSH_CONFIG);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('takes "address" from the plan first, asking nobody', async () => {
    const dns = fakeDns({});
    const r = await resolveAddresses(planOf({ lvs1: { role: 'realserver', address: '10.0.0.1' } }), { sshConfigPath: join(dir, 'absent'), lookup: dns.lookup });
    assert.equal(r.addresses.get('lvs1'), '10.0.0.1');
    assert.equal(r.sources.get('lvs1'), 'plan');
    assert.deepEqual(r.problems, []);
    assert.deepEqual(dns.asked, []);
  });

  it('refuses two realservers of one service that resolve to one address: one IPVS destination twice', async () => {
    const result = validatePlan({
      apiVersion: 'lvsctl/v1', cluster: 't',
      hosts: { lvs0: { role: 'director', address: '10.0.0.254' }, web1: { role: 'realserver' }, www1: { role: 'realserver', address: '192.0.2.11' }, web2: { role: 'realserver' } },
      services: [
        { name: 'shop', vip: '10.0.0.100', port: 80, realservers: [{ host: 'web1' }, { host: 'web2' }, { host: 'www1' }] },
        { name: 'mail', vip: '10.0.0.101', port: 25, realservers: [{ host: 'web1' }] },
      ],
    });
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    // web1 by the ssh config and www1 by the plan are 192.0.2.11; web2 by DNS is another host
    const r = await resolveAddresses(result.plan, { sshConfigPath: sshConfig, lookup: fakeDns({ web2: ['192.0.2.12'] }).lookup });
    assert.deepEqual(r.problems.map((p) => [p.pointer, p.message]), [[
      '/services/0/realservers/2/host',
      `realserver "www1" has the address 192.0.2.11 (in the plan), as "web1" at /services/0/realservers/0 has (through ${sshConfig}): the one destination 192.0.2.11:80 twice`,
    ]]);
    assert.match(r.problems[0].hint ?? '', /list that host once in this service, or give "www1" its own "address" in the plan/);
  });

  it('uses the HostName of a Host entry in the ssh config', async () => {
    const r = await resolveAddresses(planOf({ web1: { role: 'realserver' } }), { sshConfigPath: sshConfig, lookup: fakeDns({}).lookup });
    assert.equal(r.addresses.get('web1'), '192.0.2.11');
    assert.equal(r.sources.get('web1'), 'ssh-config');
  });

  it('honours Host patterns, negations and %h, and looks the HostName up in DNS', async () => {
    const dns = fakeDns({ 'web-2.lab.example': ['192.0.2.12'], 'web-bad': ['192.0.2.66'] });
    const r = await resolveAddresses(planOf({ 'web-2': { role: 'realserver' }, 'web-bad': { role: 'realserver' } }), { sshConfigPath: sshConfig, lookup: dns.lookup });
    assert.equal(r.addresses.get('web-2'), '192.0.2.12');
    assert.equal(r.addresses.get('web-bad'), '192.0.2.66', 'negated pattern falls through to DNS of the name itself');
    assert.equal(r.sources.get('web-bad'), 'dns');
    assert.deepEqual(dns.asked.sort(), ['web-2.lab.example', 'web-bad']);
  });

  it('keeps an address in the kernel\'s spelling, from the plan, the ssh config or DNS', async () => {
    const plan = planOf({ a: { role: 'realserver', address: '2001:DB8:0::11' }, b: { role: 'realserver' }, c: { role: 'realserver' } });
    const config = join(dir, 'ssh_config_v6');
    writeFileSync(config, 'Host b\n  HostName 2001:DB8:0::12\n');
    const r = await resolveAddresses(plan, { sshConfigPath: config, lookup: fakeDns({ c: ['2001:DB8::0:13'] }).lookup });
    assert.deepEqual(['a', 'b', 'c'].map((h) => r.addresses.get(h)), ['2001:db8::11', '2001:db8::12', '2001:db8::13']);
  });

  it('takes the first HostName when several Host blocks match, as ssh does', () => {
    assert.equal(sshHostNamesFromText(SSH_CONFIG)('db'), '192.0.2.31');
  });

  it('falls back to DNS, taking the first address', async () => {
    const r = await resolveAddresses(planOf({ mail: { role: 'realserver' } }), { sshConfigPath: sshConfig, lookup: fakeDns({ mail: ['192.0.2.25', '2001:db8::25'] }).lookup });
    assert.equal(r.addresses.get('mail'), '192.0.2.25');
  });

  it('names an unresolvable host and the two ways to fix it', async () => {
    const r = await resolveAddresses(planOf({ ghost: { role: 'realserver' } }), { sshConfigPath: sshConfig, lookup: fakeDns({}).lookup });
    assert.equal(r.addresses.has('ghost'), false);
    assert.equal(r.problems.length, 1);
    assert.equal(r.problems[0].pointer, '/hosts/ghost');
    assert.match(r.problems[0].message, /cannot resolve host "ghost".*no such name/);
    assert.match(r.problems[0].hint ?? '', /add "address" to \/hosts\/ghost, or a "Host ghost" entry/);
  });

  it('asks at most 2 names at once, as Node runs at most 2 getaddrinfo calls at once', async () => {
    const hosts = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`rs${i}`, { role: 'realserver' as const }]));
    let inFlight = 0;
    let most = 0;
    const lookup: HostLookup = async (name) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((done) => setTimeout(done, 5));
      inFlight--;
      return [`192.0.2.${Number(name.slice(2)) + 1}`];
    };
    const r = await resolveAddresses(planOf(hosts), { sshConfigPath: sshConfig, lookup });
    assert.equal(r.addresses.size, 13);
    assert.equal(r.addresses.get('rs11'), '192.0.2.12');
    assert.equal(most, 2);
  });

  it('asks no more names once one had no answer, saying which, so a silent resolver costs one timeout', async () => {
    const hosts = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`rs${i}`, { role: 'realserver' as const }]));
    const asked: string[] = [];
    const lookup: HostLookup = async (name) => {
      asked.push(name);
      if (name === 'rs1') throw Object.assign(new Error('lookup timed out'), { code: 'ETIMEOUT' });
      await new Promise((done) => setTimeout(done, 5));
      return ['192.0.2.1' + name.slice(2)];
    };
    const r = await resolveAddresses(planOf(hosts), { sshConfigPath: sshConfig, lookup });
    // rs0 was already asked with rs1; nothing after
    assert.deepEqual(asked, ['rs0', 'rs1']);
    assert.deepEqual([...r.addresses.keys()].filter((h) => h !== 'lvs0'), ['rs0']);
    assert.equal(r.problems.length, 8);
    assert.match(r.problems[0].message, /cannot resolve host "rs1".*no answer within 5 s: check the resolvers in \/etc\/resolv\.conf/);
    assert.match(r.problems[1].message, /cannot resolve host "rs2".*not looked up: the lookup of "rs1" had no answer within 5 s/);
  });

  it('also stops at the resolver\'s own giving up (EAI_AGAIN, its timeout under 5 s), saying so', async () => {
    const hosts = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`rs${i}`, { role: 'realserver' as const }]));
    const asked: string[] = [];
    const lookup: HostLookup = async (name) => {
      asked.push(name);
      throw Object.assign(new Error(`getaddrinfo EAI_AGAIN ${name}`), { code: 'EAI_AGAIN' });
    };
    const r = await resolveAddresses(planOf(hosts), { sshConfigPath: sshConfig, lookup });
    assert.deepEqual(asked, ['rs0', 'rs1']);
    assert.match(r.problems[0].message, /cannot resolve host "rs0".*\(the resolver gave up \(EAI_AGAIN\): check the resolvers in \/etc\/resolv\.conf\)/);
    assert.match(r.problems[2].message, /cannot resolve host "rs2".*not looked up: the resolver gave up on "rs0" \(EAI_AGAIN\)/);
  });

  it('asks no more names once the lookups have taken 30 s in all, however slowly each is answered', async () => {
    const hosts = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`rs${i}`, { role: 'realserver' as const }]));
    let now = 0;
    const asked: string[] = [];
    // each answer takes 4.9 s of the clock: under the 5 s of one lookup, 20 pairs past the budget
    const lookup: HostLookup = async (name) => {
      asked.push(name);
      await Promise.resolve();
      now += 4900;
      return ['192.0.2.1'];
    };
    const r = await resolveAddresses(planOf(hosts), { sshConfigPath: sshConfig, lookup, clock: () => now });
    assert.ok(asked.length < 10, `asked ${asked.length}`);
    const skipped = r.problems.filter((p) => /not looked up: the plan's name lookups took over 30 s in all/.test(p.message));
    assert.equal(skipped.length, 10 - asked.length);
  });

  it('says when the ssh config HostName itself does not resolve', async () => {
    const r = await resolveAddresses(planOf({ 'web-9': { role: 'realserver' } }), { sshConfigPath: sshConfig, lookup: fakeDns({}).lookup });
    assert.match(r.problems[0].message, /gives HostName web-9\.lab\.example, which does not resolve/);
  });

  it('reads ~/.ssh/config by default and ignores it when absent', async () => {
    const home = join(dir, 'home');
    mkdirSync(join(home, '.ssh'), { recursive: true });
    const plan = planOf({ web1: { role: 'realserver' } });
    const missing = await resolveAddresses(plan, { homeDir: join(dir, 'nohome'), lookup: fakeDns({ web1: ['192.0.2.1'] }).lookup });
    assert.deepEqual(missing.problems, []);
    assert.equal(missing.addresses.get('web1'), '192.0.2.1');
    writeFileSync(join(home, '.ssh', 'config'), SSH_CONFIG);
    const present = await resolveAddresses(plan, { homeDir: home, lookup: fakeDns({}).lookup });
    assert.equal(present.addresses.get('web1'), '192.0.2.11');
  });

  it('reports a named ssh config that does not exist', async () => {
    const r = await resolveAddresses(planOf({ web1: { role: 'realserver' } }), { sshConfigPath: join(dir, 'absent'), lookup: fakeDns({ web1: ['192.0.2.1'] }).lookup });
    assert.match(r.problems[0].message, /cannot read the ssh config .*absent: no such file/);
  });

  it('never runs Match exec commands from the ssh config', () => {
    const marker = join(dir, 'ran');
    const names = sshHostNamesFromText(`Match exec "touch ${marker}"\n  HostName 192.0.2.200\n`);
    assert.equal(names('anything'), undefined);
    assert.equal(existsSync(marker), false);
  });
});
