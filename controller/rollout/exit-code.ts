// The exit code of a rollout (docs/rollout.md, `lvsctl rollout --help`): a failure beats an unreachable host, and --check
// ends 0 when nothing failed, however much it would change.
import { EXIT } from '../exit-codes';
import type { RolloutSummary } from './events';

export function rolloutExitCode(summary: Pick<RolloutSummary, 'hosts' | 'groups'>): number {
  if (summary.hosts.some((h) => h.status === 'failed')) return EXIT.hostFailed;
  // A director group left with two tables is a failure even when no host failed (e.g. --limit inside it).
  if (summary.groups?.some((g) => !g.tablesMatch)) return EXIT.hostFailed;
  if (summary.hosts.some((h) => h.status === 'unreachable')) return EXIT.unreachable;
  return EXIT.ok;
}
