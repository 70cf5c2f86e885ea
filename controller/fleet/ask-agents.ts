// Asks every agent of a plan the same read-only question, at most `parallel` at a time,
// and says per host what came back: the answer, or why there is none (unreachable: the
// agent could not be asked; failed: it answered and refused).
import type { HostAnswer } from '../report/host-answer';
import { mapBounded } from '../../lvs/map-bounded';
import { AgentUnreachableError } from '../client/agent-client';
import { AgentRefusedError, type AgentReader, type AgentReaderConnector } from '../client/agent-reader';
import { EXIT } from '../exit-codes';
import type { FleetTarget } from './plan-targets';

export const DEFAULT_FLEET_PARALLEL = 20;

export async function askAgents<T>(
  targets: readonly FleetTarget[],
  connector: AgentReaderConnector,
  ask: (reader: AgentReader, target: FleetTarget) => Promise<T>,
  parallel = DEFAULT_FLEET_PARALLEL,
): Promise<HostAnswer<T>[]> {
  return mapBounded(targets, parallel, async (target): Promise<HostAnswer<T>> => {
    const base = { host: target.host, role: target.role };
    let reader: AgentReader | undefined;
    try {
      reader = connector({ host: target.host, address: target.address, port: target.port });
      return { ...base, ok: true, value: await ask(reader, target) };
    } catch (err) {
      return { ...base, ok: false, ...failureOf(err) };
    } finally {
      reader?.close();
    }
  });
}

export function failureOf(err: unknown): { kind: 'unreachable' | 'failed'; reason: string } {
  if (err instanceof AgentUnreachableError) return { kind: 'unreachable', reason: err.message };
  if (err instanceof AgentRefusedError) return { kind: 'failed', reason: err.message };
  return { kind: 'failed', reason: err instanceof Error ? err.message : String(err) };
}

/** 2 when a host failed (or a finding makes it failed), else 3 when one was unreachable, else 0. */
export function fleetExitCode(answers: readonly HostAnswer<unknown>[], failedHosts: Iterable<string> = []): number {
  const failed = new Set(failedHosts);
  if (answers.some((a) => !a.ok && a.kind === 'failed') || failed.size > 0) return EXIT.hostFailed;
  if (answers.some((a) => !a.ok && a.kind === 'unreachable')) return EXIT.unreachable;
  return EXIT.ok;
}
