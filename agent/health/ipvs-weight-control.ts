// The Linux WeightControl: every weight change of one decision goes to the kernel as one
// `ipvsadm -R` batch of `-e` lines (edit in place: connections and templates survive),
// rendered by the director's own ipvsadm format module so there is one writer of that text.
import type { IpvsOperation } from '../../lvs/operations';
import { renderIpvsRestore } from '../../lvs/formats/ipvsadm-format';
import type { WeightChange, WeightControl } from '../../lvs/health/types';
import { formatAddressPort } from '../../lvs/model';

/** The slice of agent/kernel/exec.ts's Exec this needs: run a tool with stdin, no shell. */
export type RunTool = (
  file: string,
  args: readonly string[],
  options?: { input?: string; timeoutMs?: number },
) => Promise<{ stderr: string }>;

/** One `ipvsadm -R` line per change, e.g. `-e -t 10.0.0.100:80 -r 10.0.0.11:80 -g -w 0`. */
export function renderWeightEdits(changes: readonly WeightChange[]): string {
  const ops: IpvsOperation[] = changes.map(({ key, destination, previousWeight }) => {
    if (!Number.isInteger(destination.weight) || destination.weight < 0 || destination.weight > 65535) {
      throw new RangeError(`weight of ${formatAddressPort(destination.address, destination.port)} must be 0..65535, got ${destination.weight}`);
    }
    return { op: 'edit-destination', key, destination, before: { ...destination, weight: previousWeight ?? destination.weight } };
  });
  return renderIpvsRestore(ops);
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
      const { stderr } = await run(ipvsadm, ['-R'], { input: renderWeightEdits(changes), timeoutMs: options.timeoutMs ?? 30_000 });
      // ipvsadm -R exits with the status of its last line only (seen in the lab): a line
      // that failed before it shows up on stderr alone, so stderr means failure.
      if (stderr.trim() !== '') throw new Error(`ipvsadm -R refused part of the weight batch: ${stderr.trim()}`);
    },
  };
}
