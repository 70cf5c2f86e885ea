// The seed's four scenarios, typed by hand there, and lvsctl's examples/ rendered: the same
// IPVS table and the same mark rules, compared by meaning (ipvsadm's defaults filled in).
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { parseMangleSave } from '../../../lvs/formats/iptables-format';
import { parseIpvsSave } from '../../../lvs/formats/ipvsadm-format';
import { loadPlanFile } from '../../../controller/plan/load';
import type { Plan } from '../../../controller/plan/schema';
import { renderHandCommands } from '../../../controller/render/render-plan';
import type { HostCommands } from '../../../controller/render/host-commands';

const ROOT = join(__dirname, '..', '..', '..', '..');

/** The seed's addresses mapped onto the lab's (the seed's FTP marks use 192.168.2.100: see docs/render-and-import.md). */
const LAB: ReadonlyArray<[RegExp, string]> = [
  [/172\.23\.136\.150/g, '10.0.0.100'],
  [/172\.23\.136\.148/g, '10.0.0.11'],
  [/172\.23\.136\.149/g, '10.0.0.12'],
  [/192\.168\.2\.100/g, '10.0.0.100'],
];

function inLab(seedText: string): string[] {
  let text = seedText;
  for (const [from, to] of LAB) text = text.replace(from, to);
  return text.trim().split('\n').map((l) => l.trim());
}

async function examplePlan(name: string): Promise<Plan> {
  const loaded = await loadPlanFile(join(ROOT, 'examples', `${name}.json`));
  assert.ok(loaded.ok, `examples/${name}.json must validate: ${JSON.stringify(loaded.problems)}`);
  return loaded.plan;
}

function labAddresses(plan: Plan): Map<string, string> {
  return new Map(Object.entries(plan.hosts).map(([name, h]) => [name, h.address ?? '']));
}

function director(hosts: HostCommands[]): HostCommands {
  const found = hosts.find((h) => h.role === 'director');
  assert.ok(found, 'a director');
  return found;
}

const ipvsadmLines = (lines: string[]): string => lines.filter((l) => l.startsWith('ipvsadm ')).join('\n');
const iptablesRules = (lines: string[]): string =>
  lines.filter((l) => l.startsWith('iptables ')).map((l) => l.replace(/^iptables -t mangle /, '')).join('\n');

async function assertSameAsSeed(example: string, seed: string): Promise<HostCommands[]> {
  const plan = await examplePlan(example);
  const hosts = renderHandCommands(plan, labAddresses(plan));
  const rendered = director(hosts).commands;
  const typed = inLab(seed);
  assert.deepEqual(parseIpvsSave(ipvsadmLines(rendered)), parseIpvsSave(ipvsadmLines(typed)), 'the IPVS table');
  assert.deepEqual(parseMangleSave(iptablesRules(rendered)).foreign, parseMangleSave(iptablesRules(typed)).foreign, 'the mark rules');
  return hosts;
}

describe("the seed's scenarios as examples/", () => {
  it('PCC (examples/pcc.json) is ipvsadm -A -t VIP:0 -p 360 with both realservers', async () => {
    await assertSameAsSeed(
      'pcc',
      `ipvsadm -C
       ipvsadm -A -t 172.23.136.150:0 -p 360
       ipvsadm -a -t 172.23.136.150:0 -r 172.23.136.148
       ipvsadm -a -t 172.23.136.150:0 -r 172.23.136.149`,
    );
  });

  it('PPC (examples/ppc.json) is ipvsadm -A -t VIP:80 -p 360', async () => {
    await assertSameAsSeed(
      'ppc',
      `ipvsadm -C
       ipvsadm -A -t 172.23.136.150:80 -p 360
       ipvsadm -a -t 172.23.136.150:80 -r 172.23.136.148
       ipvsadm -a -t 172.23.136.150:80 -r 172.23.136.149`,
    );
  });

  it('firewall-mark persistence (examples/fwmark.json) marks 80,443 on eth0 and is ipvsadm -A -f 1 -p 360', async () => {
    await assertSameAsSeed(
      'fwmark',
      `iptables -t mangle -A PREROUTING -i eth0 -p tcp -d 172.23.136.150 -m multiport --dport 80,443 -j MARK --set-mark 1
       ipvsadm -C
       ipvsadm -A -f 1 -p 360
       ipvsadm -a -f 1 -r 172.23.136.148
       ipvsadm -a -f 1 -r 172.23.136.149`,
    );
  });

  it('FTP persistence (examples/ftp.json) marks 21 and 10000:12000 and names the passive range for vsftpd', async () => {
    const hosts = await assertSameAsSeed(
      'ftp',
      `iptables -t mangle -A PREROUTING -i eth0 -p tcp -d 192.168.2.100 --dport 21 -j MARK --set-mark 1
       iptables -t mangle -A PREROUTING -i eth0 -p tcp -d 192.168.2.100 --dport 10000:12000 -j MARK --set-mark 1
       ipvsadm -C
       ipvsadm -A -f 1 -p 360
       ipvsadm -a -f 1 -r 172.23.136.148
       ipvsadm -a -f 1 -r 172.23.136.149`,
    );
    for (const rs of hosts.filter((h) => h.role === 'realserver')) {
      assert.ok(
        rs.commands.includes('# FTP service ftp: vsftpd (/etc/vsftpd.conf) must hand out passive ports inside 10000:12000: pasv_min_port=10000 and pasv_max_port=12000'),
        `${rs.host}: ${rs.commands.join(' | ')}`,
      );
      // The realserver must hold the marks' destination, the address FTP clients reach.
      assert.ok(rs.commands.includes('ip addr add 10.0.0.100/32 dev lo'));
    }
  });

  it('differs from the seed when the example does (the comparison can fail)', async () => {
    const plan = await examplePlan('ppc');
    const rendered = director(renderHandCommands(plan, labAddresses(plan))).commands;
    const otherTimeout = inLab('ipvsadm -A -t 172.23.136.150:80 -p 300\nipvsadm -a -t 172.23.136.150:80 -r 172.23.136.148\nipvsadm -a -t 172.23.136.150:80 -r 172.23.136.149');
    assert.notDeepEqual(parseIpvsSave(ipvsadmLines(rendered)), parseIpvsSave(ipvsadmLines(otherTimeout)));
  });

  for (const name of ['pcc', 'ppc', 'fwmark', 'ftp']) {
    it(`${name}: LVS-DR realservers get the VIP on lo as /32 and the ARP sysctls`, async () => {
      const plan = await examplePlan(name);
      for (const rs of renderHandCommands(plan, labAddresses(plan)).filter((h) => h.role === 'realserver')) {
        for (const line of [
          'ip addr add 10.0.0.100/32 dev lo',
          'sysctl -w net.ipv4.conf.all.arp_ignore=1',
          'sysctl -w net.ipv4.conf.all.arp_announce=2',
          'sysctl -w net.ipv4.conf.lo.arp_ignore=1',
          'sysctl -w net.ipv4.conf.lo.arp_announce=2',
        ]) {
          assert.ok(rs.commands.includes(line), `${rs.host} lacks "${line}"`);
        }
      }
    });
  }

  it('the NAT example routes realservers through the director and masquerades', async () => {
    const plan = await examplePlan('nat');
    const hosts = renderHandCommands(plan, labAddresses(plan));
    assert.match(ipvsadmLines(director(hosts).commands), /-r 10\.0\.0\.12:80 -m -w 2/);
    for (const rs of hosts.filter((h) => h.role === 'realserver')) assert.deepEqual(rs.commands, ['ip route replace default via 10.0.0.1']);
  });

  it('the TUN example brings tunl0 up with the VIP and loosens rp_filter', async () => {
    const plan = await examplePlan('tun');
    const hosts = renderHandCommands(plan, labAddresses(plan));
    assert.match(ipvsadmLines(director(hosts).commands), /-r 10\.0\.0\.11:80 -i -w 1/);
    const web1 = hosts.find((h) => h.host === 'web1');
    for (const line of ['ip link set tunl0 up', 'ip addr add 10.0.0.100/32 dev tunl0', 'sysctl -w net.ipv4.conf.tunl0.rp_filter=0']) {
      assert.ok(web1?.commands.includes(line), `web1 lacks "${line}"`);
    }
  });

  it("the seed's FTP section as written (marks on 192.168.2.100, realservers on 172.23.136.x): realservers hold the marks' destination", async () => {
    const loaded = await loadPlanFile(join(ROOT, 'test', 'fixtures', 'render', 'seed-ftp-two-vips.json'));
    assert.ok(loaded.ok, JSON.stringify(loaded.problems));
    const hosts = renderHandCommands(loaded.plan, labAddresses(loaded.plan));
    for (const rs of hosts.filter((h) => h.role === 'realserver')) {
      assert.ok(rs.commands.includes('ip addr add 192.168.2.100/32 dev lo'), `${rs.host} must hold the FTP VIP`);
      assert.ok(rs.commands.includes('ip addr add 172.23.136.150/32 dev lo'), `${rs.host} must hold the web VIP`);
    }
    assert.ok(director(hosts).commands.includes('ipvsadm -a -f 1 -r 172.23.136.148:0 -g -w 1'));
  });
});
