import { strict as assert } from 'node:assert';
import type { UnparsedService } from '../../../lvs/ipvs-reading';
import { FakeIpvs } from '../../../agent/kernel/fake/ipvs';
import { parseIpvsSave, parseIpvsSaveTolerant } from '../../../lvs/formats/ipvsadm-format';
import { TextFormatError } from '../../../lvs/formats/text-format-error';
import { serviceKeyString, type ServiceKey } from '../../../lvs/model';
import { dest, directorPlan, fwmark, service, table, tcp, VIP } from './builders';
import { directorRig, notices } from './rig';

// What `ipvsadm -S -n` prints (ipvsadm 1.31's print_service_entry) for services someone else
// made with features lvsctl's model cannot hold, between two services it can.
const shared = [
  '-A -t 10.0.0.100:80 -s rr',
  '-a -t 10.0.0.100:80 -r 10.0.0.11:80 -g -w 1',
  '-A -u 10.0.0.100:53 -s rr -o',
  '-a -u 10.0.0.100:53 -r 10.0.0.11:53 -g -w 1',
  '-A -u 10.0.0.100:5060 -s rr -p 60 --pe sip',
  '-a -u 10.0.0.100:5060 -r 10.0.0.11:5060 -g -w 1',
  '-A --sctp-service 10.0.0.100:3868 -s rr',
  '-a --sctp-service 10.0.0.100:3868 -r 10.0.0.11:3868 -g -w 1',
  '-A -t 10.0.0.101:443 -s wlc',
  '-a -t 10.0.0.101:443 -r 10.0.0.13:443 -g -w 1',
  '-a -t 10.0.0.101:443 -r 10.0.0.12:443 -i -w 1 --tun-type gue --tun-port 6080',
  '-A -f 1 -s rr',
  '-a -f 1 -r 10.0.0.11:0 -g -w 1',
].join('\n') + '\n';

const udp = (port: number, vip = VIP): ServiceKey => ({ kind: 'udp', vip, port });

describe('foreign IPVS services lvsctl cannot read', () => {
  describe('reading the table', () => {
    it('reads every service it can and sets the others aside whole, with their first unreadable line and why', () => {
      const { services, unparsed } = parseIpvsSaveTolerant(shared);
      assert.deepEqual(services.map((s) => serviceKeyString(s.service.key)), ['tcp 10.0.0.100:80', 'fwmark 1']);
      assert.deepEqual(services[0].destinations.map((d) => d.address), ['10.0.0.11']);
      assert.deepEqual(
        unparsed.map((u: UnparsedService) => [u.name, u.key && serviceKeyString(u.key), u.line]),
        [
          ['-u 10.0.0.100:53', 'udp 10.0.0.100:53', '-A -u 10.0.0.100:53 -s rr -o'],
          ['-u 10.0.0.100:5060', 'udp 10.0.0.100:5060', '-A -u 10.0.0.100:5060 -s rr -p 60 --pe sip'],
          ['--sctp-service 10.0.0.100:3868', undefined, '-A --sctp-service 10.0.0.100:3868 -s rr'],
          ['-t 10.0.0.101:443', 'tcp 10.0.0.101:443', '-a -t 10.0.0.101:443 -r 10.0.0.12:443 -i -w 1 --tun-type gue --tun-port 6080'],
        ],
      );
      assert.deepEqual(unparsed.map((u) => u.reason), [
        'one-packet scheduling (-o), which lvsctl does not manage',
        'a persistence engine (--pe sip), which lvsctl does not manage',
        'an SCTP service (--sctp-service 10.0.0.100:3868): lvsctl manages TCP, UDP and fwmark services only',
        'tunnel type "gue" is not one lvsctl manages (only ipip, ipvsadm\'s -i)',
      ]);
    });

    it('still refuses text that is not ipvsadm -S output (a line naming no service)', () => {
      assert.throws(() => parseIpvsSaveTolerant('-A -t 10.0.0.100:80 -s rr\n-a -r 10.0.0.11:80 -w 1\n'), (e: unknown) => e instanceof TextFormatError && e.lineNumber === 2);
    });

    it('stays strict for lvsctl import: the first such line is an error naming it', () => {
      assert.throws(() => parseIpvsSave(shared), (e: unknown) => e instanceof TextFormatError && e.lineNumber === 3 && /one-packet scheduling/.test(e.reason));
    });
  });

  describe('the director', () => {
    const foreign = parseIpvsSaveTolerant(shared).unparsed;
    const shop = directorPlan(table([service(fwmark(2)), [dest('10.0.0.11', { port: 0 })]], [service(tcp(8080)), [dest('10.0.0.12', { port: 8080 })]]));

    it('reports each as an unmanaged service it cannot read and applies the plan around them', async () => {
      const r = await directorRig({ ipvs: new FakeIpvs([], foreign) });
      const { result, events } = await r.run(shop);
      assert.equal(result.outcome, 'changed', result.message);
      for (const name of ['-u 10.0.0.100:53', '-u 10.0.0.100:5060', '--sctp-service 10.0.0.100:3868', '-t 10.0.0.101:443']) {
        assert.ok(notices(events).some((n) => n.startsWith(`unmanaged service ${name} that lvsctl cannot read (`) && n.endsWith('left alone')), name);
      }
      const touched = r.ipvs.batches.flat().map((op) => serviceKeyString('service' in op ? op.service.key : op.key));
      assert.deepEqual([...new Set(touched)].sort(), ['fwmark 2', 'tcp 10.0.0.100:8080']);
      assert.equal((await r.ipvs.read()).unparsed.length, 4);
    });

    it('refuses a planned service whose key one of them holds, naming both and the fix, and changes nothing', async () => {
      const r = await directorRig({ ipvs: new FakeIpvs([], foreign) });
      const dns = directorPlan(table([service(fwmark(2)), [dest('10.0.0.11', { port: 0 })]], [service(udp(53)), [dest('10.0.0.11', { port: 53 })]]));
      const { result } = await r.run(dns);
      assert.equal(result.outcome, 'failed');
      assert.match(result.message, /^services\[1\] \("svc1", udp 10\.0\.0\.100:53\) is already in the kernel as a service lvsctl cannot read: one-packet scheduling/);
      assert.match(result.message, /nothing was changed\. Fix: .*ipvsadm -D -u 10\.0\.0\.100:53/);
      assert.equal(r.ipvs.calls.applyBatch, 0);
    });

    it('never deletes a service it owned that someone since changed into one it cannot read', async () => {
      const r = await directorRig();
      await r.run(directorPlan(table([service(udp(53)), [dest('10.0.0.11', { port: 53 })]])));
      // Someone turns on one-packet scheduling by hand: the table now shows it as foreign.
      const changed = new FakeIpvs([], [{ name: '-u 10.0.0.100:53', key: udp(53), line: '-A -u 10.0.0.100:53 -s rr -o', reason: 'one-packet scheduling (-o), which lvsctl does not manage' }]);
      const again = await directorRig({ ipvs: changed, stateDir: r.stateDir });
      const { result } = await again.run(directorPlan([], [], 2));
      assert.notEqual(result.outcome, 'failed', result.message);
      assert.equal(changed.calls.applyBatch, 0);
    });
  });
});
