import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseMangleSave } from '../../../lvs/formats/iptables-format';
import { parseIpvsSave } from '../../../lvs/formats/ipvsadm-format';
import { runRender } from '../../../controller/cli/run-render';
import { CliError } from '../../../controller/exit-codes';
import { compileHostPlans } from '../../../controller/plan/compile';
import { planSchema, type Plan, type PlanInput } from '../../../controller/plan/schema';
import { formatHostCommands } from '../../../controller/render/host-commands';
import { renderBatchForms, renderHandCommands, UnknownHostError } from '../../../controller/render/render-plan';
import { tempDirSync } from '../../temp-dirs';
import { benchTable, planJson } from '../../../bench/table';

const base: PlanInput = {
  apiVersion: 'lvsctl/v1',
  cluster: 'shop',
  hosts: {
    lvs1: { role: 'director', address: '10.0.0.1' },
    lvs2: { role: 'director', address: '10.0.0.2' },
    web1: { role: 'realserver', address: '10.0.0.11' },
    web2: { role: 'realserver' },
    web6: { role: 'realserver', address: '2001:db8::11', ftp: { server: 'pure-ftpd', config: '/etc/pure-ftpd.conf' } },
  },
  marks: [
    { mark: 1, protocol: 'tcp', destination: '10.0.0.100', ports: ['80', '443'], inInterface: 'eth0' },
    { mark: 2, protocol: 'tcp', destination: '2001:db8::100', ports: ['21', '10000:12000'] },
  ],
  services: [
    { name: 'shop', fwmark: 1, scheduler: 'rr', persistence: { timeout: 360 }, realservers: [{ host: 'web1' }, { host: 'web2', weight: 3 }] },
    { name: 'ftp6', fwmark: 2, persistence: { timeout: 600 }, ftp: { controlPort: 21, passivePorts: '10000:12000' }, realservers: [{ host: 'web6' }] },
    { name: 'dns', protocol: 'udp', vip: '10.0.0.53', port: 53, forwarding: 'nat', realservers: [{ host: 'web2', port: 5353 }] },
  ],
};
const plan: Plan = planSchema.parse(base);
// web2 has no address in the plan: it comes from the resolver, as from ~/.ssh/config.
const addresses = new Map([['lvs1', '10.0.0.1'], ['lvs2', '10.0.0.2'], ['web1', '10.0.0.11'], ['web2', '10.0.0.12'], ['web6', '2001:db8::11']]);

describe('render', () => {
  describe('renderHandCommands', () => {
    const hosts = renderHandCommands(plan, addresses);
    const byName = new Map(hosts.map((h) => [h.host, h]));

    it('gives every host, directors with the same table, each with its role and address', () => {
      assert.deepEqual(hosts.map((h) => [h.host, h.role, h.address]), [
        ['lvs1', 'director', '10.0.0.1'], ['lvs2', 'director', '10.0.0.2'], ['web1', 'realserver', '10.0.0.11'], ['web2', 'realserver', '10.0.0.12'], ['web6', 'realserver', '2001:db8::11'],
      ]);
      assert.deepEqual(byName.get('lvs1')?.commands, byName.get('lvs2')?.commands);
    });

    it("writes the director's table as the IPVS table compileHostPlans gives the agent", () => {
      const director = compileHostPlans(plan, addresses, 0).get('lvs1');
      assert.ok(director?.role === 'director');
      const typed = byName.get('lvs1')?.commands.filter((l) => l.startsWith('ipvsadm ')).join('\n') ?? '';
      assert.deepEqual(
        parseIpvsSave(typed),
        director.services.map((s) => ({ service: s.service, destinations: s.realservers.map((r) => r.destination) })),
      );
      assert.ok(byName.get('lvs1')?.commands.includes('ipvsadm -a -u 10.0.0.53:53 -r 10.0.0.12:5353 -m -w 1'));
    });

    it('writes IPv4 mark rules with iptables and IPv6 ones with ip6tables, as the seed does', () => {
      const marks = byName.get('lvs1')?.commands.filter((l) => /^ip6?tables /.test(l));
      assert.deepEqual(marks, [
        'iptables -t mangle -A PREROUTING -i eth0 -p tcp -d 10.0.0.100 -m multiport --dport 80,443 -j MARK --set-mark 1',
        'ip6tables -t mangle -A PREROUTING -p tcp -d 2001:db8::100 -m multiport --dport 21,10000:12000 -j MARK --set-mark 2',
      ]);
      assert.ok(byName.get('lvs1')?.commands.includes('ipvsadm -A -f 2 -6 -s wlc -p 600'));
    });

    it('enables forwarding and turns ICMP redirects off on a director of a NAT service', () => {
      const sysctls = byName.get('lvs1')?.commands.filter((l) => l.startsWith('sysctl '));
      assert.deepEqual(sysctls, [
        'sysctl -w net.ipv4.ip_forward=1',
        'sysctl -w net.ipv4.conf.all.send_redirects=0',
        'sysctl -w net.ipv4.conf.default.send_redirects=0',
      ]);
      assert.ok(byName.get('lvs1')?.commands.includes('# and net.ipv4.conf.DEVICE.send_redirects=0 for each interface the NAT realservers are reached through'));
    });

    it('gives a realserver the VIPs of its services: a mark service holds its marks\' destinations', () => {
      const web1 = byName.get('web1')?.commands ?? [];
      assert.ok(web1.includes('ip addr add 10.0.0.100/32 dev lo'));
      assert.deepEqual(byName.get('web6')?.commands.slice(0, 1), ['ip -6 addr add 2001:db8::100/128 dev lo']);
      assert.ok(!web1.some((l) => l.includes('10.0.0.53')), 'web1 is not in the dns service');
      assert.equal(web1.filter((l) => l === 'sysctl -w net.ipv4.conf.all.arp_ignore=1').length, 1, 'each sysctl once');
    });

    it("names the passive range in the FTP server's own words", () => {
      assert.ok(byName.get('web6')?.commands.includes('# FTP service ftp6: pure-ftpd (/etc/pure-ftpd.conf) must hand out passive ports inside 10000:12000: PassivePortRange 10000 12000'));
    });

    it('routes a NAT realserver through a director and names the other director', () => {
      const web2 = byName.get('web2')?.commands ?? [];
      assert.ok(web2.includes('ip route replace default via 10.0.0.1'));
      assert.ok(web2.includes('# (or via 10.0.0.2: the director that holds the VIP)'));
    });

    it('renders one host with --host, and refuses a host the plan does not have, naming the known ones', () => {
      assert.deepEqual(renderHandCommands(plan, addresses, { host: 'web2' }).map((h) => h.host), ['web2']);
      assert.throws(() => renderHandCommands(plan, addresses, { host: 'web3' }), (err: unknown) => err instanceof UnknownHostError && /lvs1, lvs2, web1, web2, web6/.test(err.message));
    });

    it('prints a heading per host', () => {
      const text = formatHostCommands(renderHandCommands(plan, addresses, { host: 'lvs1' }));
      assert.match(text, /^# host lvs1 \(director, 10\.0\.0\.1\)\n/);
    });
  });

  describe('renderBatchForms', () => {
    const [lvs1] = renderBatchForms(plan, addresses, { host: 'lvs1' });

    it('gives a director the whole table as ipvsadm -R input and the owned chain per address family', () => {
      assert.deepEqual(lvs1.batches.map((b) => b.program), ['ipvsadm -R', 'iptables-restore --noflush', 'ip6tables-restore --noflush']);
      const hand = renderHandCommands(plan, addresses, { host: 'lvs1' })[0].commands;
      assert.deepEqual(parseIpvsSave(lvs1.batches[0].input), parseIpvsSave(hand.filter((l) => l.startsWith('ipvsadm ')).join('\n')));
      assert.deepEqual(parseMangleSave(lvs1.batches[1].input).owned, [plan.marks[0]]);
      assert.deepEqual(parseMangleSave(lvs1.batches[2].input).owned, [plan.marks[1]]);
    });

    it('keeps only the commands that have no batch form', () => {
      assert.ok(lvs1.commands.every((l) => !l.startsWith('ipvsadm ') && !l.startsWith('iptables ')));
      assert.ok(lvs1.commands.includes('sysctl -w net.ipv4.ip_forward=1'));
    });
  });

  describe('lvsctl render', () => {
    const dir = tempDirSync('lvsctl-render-');
    const write = (name: string, body: unknown): string => {
      const path = join(dir, name);
      writeFileSync(path, typeof body === 'string' ? body : JSON.stringify(body));
      return path;
    };
    const io = () => {
      const out: string[] = [];
      const err: string[] = [];
      return { out, err, io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t), lookup: async () => ['10.0.0.12'] } };
    };

    it('prints the hand commands of a valid plan and exits 0', async () => {
      const run = io();
      const code = await runRender(write('ok.json', base), {}, run.io);
      assert.equal(code, 0, run.err.join(''));
      assert.match(run.out.join(''), /# host web2 \(realserver, 10\.0\.0\.12\)\n/);
    });

    it('prints the batch forms with --batch', async () => {
      const run = io();
      assert.equal(await runRender(write('ok.json', base), { batch: true, host: 'lvs1' }, run.io), 0);
      assert.match(run.out.join(''), /ipvsadm -R <<'EOF'\n-A -f 1 -s rr -p 360\n/);
    });

    it('exits 1 naming the problems of an invalid plan, printing no commands', async () => {
      const run = io();
      const path = write('bad.json', { ...base, services: [{ ...base.services[0], persistance: { timeout: 1 } }] });
      assert.equal(await runRender(path, {}, run.io), 1);
      assert.deepEqual(run.out, []);
      assert.match(run.err.join(''), /persistance/);
    });

    it('prints a 20,000 × 10 table whole, as hand commands and as its ipvsadm -R batch', async () => {
      // 220,000 lines: more than a spread call takes (lvs/append.ts); this threw RangeError before
      const big = write('big.json', planJson(benchTable({ services: 20_000, destinations: 10 })));
      for (const batch of [false, true]) {
        const run = io();
        assert.equal(await runRender(big, { host: 'lvs1', ...(batch ? { batch: true } : {}) }, run.io), 0, run.err.join(''));
        const lines = run.out.join('').split('\n');
        const table = lines.filter((l) => (batch ? /^-[Aa] /.test(l) : /^ipvsadm -[Aa] /.test(l)));
        assert.equal(table.length, 220_000);
        assert.equal(table[table.length - 1], `${batch ? '' : 'ipvsadm '}-a -t 10.100.79.250:80 -r 10.0.0.12:8010 -m -w 10`);
      }
    }).timeout(60_000);

    it('exits 1 for an unknown --host, naming the known hosts', async () => {
      await assert.rejects(runRender(write('ok.json', base), { host: 'web9' }, io().io), (err: unknown) => err instanceof CliError && err.exitCode === 1 && /web9.*lvs1, lvs2, web1, web2, web6/.test(err.message));
    });
  });
});
