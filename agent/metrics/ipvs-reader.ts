// Reads the two IPVS listings the metrics need, one ipvsadm process each (numeric, exact).
import type { IpvsTables } from './agent-metrics';
import { parseIpvsList, parseIpvsStats, type ServiceListing } from '../../lvs/formats/ipvs-stats';

/** The slice of agent/kernel/exec.ts's Exec this needs. */
export type ReadTool = (file: string, args: readonly string[], options?: { timeoutMs?: number }) => Promise<{ stdout: string }>;

export function createIpvsTableReader(run: ReadTool, options: { ipvsadm?: string; timeoutMs?: number } = {}): () => Promise<IpvsTables> {
  const ipvsadm = options.ipvsadm ?? 'ipvsadm';
  const timeoutMs = options.timeoutMs ?? 10_000;
  return async () => {
    const [stats, list] = await Promise.all([
      run(ipvsadm, ['-L', '-n', '--stats', '--exact'], { timeoutMs }),
      run(ipvsadm, ['-L', '-n', '--exact'], { timeoutMs }),
    ]);
    return { stats: parseIpvsStats(stats.stdout), list: parseIpvsList(list.stdout) };
  };
}

/** Only `ipvsadm -Ln --exact` (weights, active and inactive connections): what a Health report joins. */
export function createIpvsListReader(run: ReadTool, options: { ipvsadm?: string; timeoutMs?: number } = {}): () => Promise<ServiceListing[]> {
  return async () => {
    const { stdout } = await run(options.ipvsadm ?? 'ipvsadm', ['-L', '-n', '--exact'], { timeoutMs: options.timeoutMs ?? 10_000 });
    return parseIpvsList(stdout);
  };
}
