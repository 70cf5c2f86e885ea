import assert from 'assert';
import { ipvsWeightControl, weightEdits } from '../../../agent/health/ipvs-weight-control';
import type { WeightChange } from '../../../lvs/health/types';
import { IpvsWriter } from '../../../agent/kernel/ipvs-writer';
import { LinuxIpvs } from '../../../agent/kernel/linux/ipvs';
import type { Exec } from '../../../agent/kernel/exec';
import { renderIpvsRestore } from '../../../lvs/formats/ipvsadm-format';

const renderWeightEdits = (changes: WeightChange[]): string => renderIpvsRestore(weightEdits(changes));
/** The weight control over the real ipvsadm backend, with ipvsadm replaced by `run`. */
const createIpvsWeightControl = (run: (file: string, args: readonly string[], options?: { input?: string }) => Promise<{ stderr: string }>) => {
  const exec: Exec = async (file, args, options) => ({ stdout: '', ...(await run(file, args, options)) });
  return ipvsWeightControl(new IpvsWriter(new LinuxIpvs(exec)));
};

describe('weight changes as one batch through the IPVS writer (ipvsadm -R)', () => {
  it('renders one -e line per change, as ipvsadm -R reads them', () => {
    const text = renderWeightEdits([
      { key: { kind: 'tcp', vip: '10.0.0.100', port: 80 }, destination: { address: '10.0.0.11', port: 80, weight: 0, forwarding: 'dr' } },
      { key: { kind: 'udp', vip: '10.0.0.100', port: 53 }, destination: { address: '10.0.0.12', port: 5353, weight: 4, forwarding: 'nat' } },
      { key: { kind: 'fwmark', mark: 1, family: 'inet' }, destination: { address: '10.0.0.13', port: 0, weight: 1, forwarding: 'tun' } },
      { key: { kind: 'fwmark', mark: 2, family: 'inet6' }, destination: { address: '2001:db8::11', port: 0, weight: 0, forwarding: 'dr' } },
    ]);
    assert.strictEqual(text, [
      '-e -t 10.0.0.100:80 -r 10.0.0.11:80 -g -w 0',
      '-e -u 10.0.0.100:53 -r 10.0.0.12:5353 -m -w 4',
      '-e -f 1 -r 10.0.0.13:0 -i -w 1',
      '-e -f 2 -6 -r [2001:db8::11]:0 -g -w 0',
      '',
    ].join('\n'));
  });

  it('refuses a weight ipvsadm would refuse, naming the destination', () => {
    assert.throws(
      () => renderWeightEdits([{ key: { kind: 'tcp', vip: '10.0.0.100', port: 80 }, destination: { address: '10.0.0.11', port: 80, weight: 70000, forwarding: 'dr' } }]),
      /weight of 10\.0\.0\.11:80 must be 0\.\.65535, got 70000/,
    );
  });

  it('runs ipvsadm -R once with every line on stdin, and not at all for no change', async () => {
    const calls: { file: string; args: readonly string[]; input?: string }[] = [];
    const control = createIpvsWeightControl(async (file, args, options) => { calls.push({ file, args, input: options?.input }); return { stderr: '' }; });
    await control.setWeights([]);
    assert.strictEqual(calls.length, 0);
    const key = { kind: 'tcp' as const, vip: '10.0.0.100', port: 80 };
    await control.setWeights([
      { key, destination: { address: '10.0.0.11', port: 80, weight: 0, forwarding: 'dr' } },
      { key, destination: { address: '10.0.0.12', port: 80, weight: 2, forwarding: 'dr' } },
    ]);
    assert.deepStrictEqual(calls, [{
      file: 'ipvsadm', args: ['-R'],
      input: '-e -t 10.0.0.100:80 -r 10.0.0.11:80 -g -w 0\n-e -t 10.0.0.100:80 -r 10.0.0.12:80 -g -w 2\n',
    }]);
  });

  it('treats a line refused in the middle of the batch as a failure, though ipvsadm exits 0', async () => {
    // As captured in the lab: -R exits with the status of its last line only.
    const control = createIpvsWeightControl(async () => ({ stderr: 'No such destination\n' }));
    await assert.rejects(
      control.setWeights([{ key: { kind: 'tcp', vip: '10.0.0.100', port: 80 }, destination: { address: '10.0.0.11', port: 80, weight: 0, forwarding: 'dr' } }]),
      /ipvsadm -R refused part of the batch: No such destination/,
    );
  });

  it('lets the tool failure through to the monitor, which reports it', async () => {
    const control = createIpvsWeightControl(async () => { throw new Error('ipvsadm -R: exited with status 2: Memory allocation problem'); });
    await assert.rejects(
      control.setWeights([{ key: { kind: 'tcp', vip: '10.0.0.100', port: 80 }, destination: { address: '10.0.0.11', port: 80, weight: 0, forwarding: 'dr' } }]),
      /Memory allocation problem/,
    );
  });
});
