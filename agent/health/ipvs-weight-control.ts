// The Linux WeightControl: every weight change of one decision goes to the kernel as one
// `ipvsadm -R` batch of `-e` lines (edit in place: connections and templates survive).
import type { Destination, ServiceKey } from '../kernel/model';
import { formatAddressPort } from '../kernel/model';
import type { WeightChange, WeightControl } from './types';

/** The slice of agent/kernel/exec.ts's Exec this needs: run a tool with stdin, no shell. */
export type RunTool = (file: string, args: readonly string[], options?: { input?: string; timeoutMs?: number }) => Promise<unknown>;

const FORWARDING_SWITCH: Record<Destination['forwarding'], string> = { dr: '-g', nat: '-m', tun: '-i' };

/** `-t 10.0.0.100:80`, `-u [2001:db8::1]:53`, `-f 1`, `-f 1 -6`: how ipvsadm names a service. */
export function serviceSwitch(key: ServiceKey): string {
  if (key.kind === 'fwmark') return key.family === 'inet6' ? `-f ${key.mark} -6` : `-f ${key.mark}`;
  return `${key.kind === 'tcp' ? '-t' : '-u'} ${formatAddressPort(key.vip, key.port)}`;
}

/** One `ipvsadm -R` line per change, e.g. `-e -t 10.0.0.100:80 -r 10.0.0.11:80 -g -w 0`. */
export function renderWeightEdits(changes: readonly WeightChange[]): string {
  return changes
    .map(({ key, destination: d }) => {
      if (!Number.isInteger(d.weight) || d.weight < 0 || d.weight > 65535) {
        throw new RangeError(`weight of ${formatAddressPort(d.address, d.port)} must be 0..65535, got ${d.weight}`);
      }
      return `-e ${serviceSwitch(key)} -r ${formatAddressPort(d.address, d.port)} ${FORWARDING_SWITCH[d.forwarding]} -w ${d.weight}\n`;
    })
    .join('');
}

export interface IpvsWeightControlOptions {
  /** path or name of ipvsadm; default "ipvsadm" */
  ipvsadm?: string;
  timeoutMs?: number;
}

export function createIpvsWeightControl(run: RunTool, options: IpvsWeightControlOptions = {}): WeightControl {
  const ipvsadm = options.ipvsadm ?? 'ipvsadm';
  return {
    async setWeights(changes) {
      if (changes.length === 0) return;
      await run(ipvsadm, ['-R'], { input: renderWeightEdits(changes), timeoutMs: options.timeoutMs ?? 30_000 });
    },
  };
}
