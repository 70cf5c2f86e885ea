// `lvsctl rollout` as the command runs it (executeRollout with the real plan loader, address
// resolver and gRPC connector), called directly in the test's process with its own output
// buffers, so that:
//   - two of them can run at once, each with its own gRPC channels, as two controllers would
//     (runLvsctlInProcess runs one at a time: it captures the process's stdout);
//   - the generation can be chosen: it is the controller's clock when the rollout starts, so a
//     controller whose clock is behind another's sends an older generation (the stale case).
import { connectorFromOptions, deadlineOptionsFrom } from '../../../controller/cli/agent-options';
import { executeRollout } from '../../../controller/cli/rollout-command';
import { resolveAddresses } from '../../../controller/inventory/resolve';
import { loadPlanFile } from '../../../controller/plan/load';
import type { CommandResult } from './agents';
import type { CertFiles } from './agents';

export interface RolloutCall {
  planPath: string;
  tls: CertFiles;
  /** --timeout */
  timeout: string;
  /** the generation stamped on every host plan; default the clock, as lvsctl does */
  generation?: number;
  args?: { limit?: string[]; check?: boolean };
}

export interface StartedRollout {
  /** what it printed so far */
  stdout(): string;
  done: Promise<CommandResult>;
}

/** Starts one rollout; several may run at once. The caller's namespace must reach the agents (joinLabBridge). */
export function startRollout(call: RolloutCall): StartedRollout {
  const out: string[] = [];
  const err: string[] = [];
  const agentOptions = { ca: call.tls.ca, cert: call.tls.cert, key: call.tls.key, timeout: call.timeout };
  const done = executeRollout(
    call.planPath,
    { ...(call.args?.limit ? { limit: call.args.limit } : {}), ...(call.args?.check ? { check: true } : {}), bounds: deadlineOptionsFrom(agentOptions) },
    {
      loadPlanFile,
      resolveAddresses,
      makeConnector: (deadline) => connectorFromOptions(agentOptions, deadline, {}),
      stdout: { write: (text: string) => out.push(text) },
      stderr: { write: (text: string) => err.push(text) },
      env: {},
      ...(call.generation !== undefined ? { clock: () => call.generation as number } : {}),
    },
  ).then(
    (code) => ({ code, stdout: out.join(''), stderr: err.join('') }),
    (error: unknown) => ({ code: 1, stdout: out.join(''), stderr: `${err.join('')}${error instanceof Error ? error.stack ?? error.message : String(error)}` }),
  );
  return { stdout: () => out.join(''), done };
}
