// What lvsctl render PLAN does (render.ts declares the command): per host, the hand
// commands a rollout of the plan means (ipvsadm/iptables/ip/sysctl lines as an operator would type them), or
// with --batch the ipvsadm -R and iptables-restore texts the agents use. Loads, validates
// and resolves like validate; prints nothing else.
import { resolveAddresses, type HostLookup } from '../inventory/resolve';
import { problemLines } from '../plan/errors';
import { loadPlanFile } from '../plan/load';
import { formatHostCommands } from '../render/host-commands';
import { formatBatchForms, renderBatchForms, renderHandCommands, UnknownHostError } from '../render/render-plan';
import { CliError, EXIT } from '../exit-codes';

export interface RenderCliOptions {
  host?: string;
  batch?: boolean;
  sshConfig?: string;
}

export interface RenderIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** injected by tests; DNS by default */
  lookup?: HostLookup;
  homeDir?: string;
}

/** Runs the command; returns the exit code (an unknown --host throws a CliError). */
export async function runRender(planPath: string, options: RenderCliOptions, io: RenderIo): Promise<number> {
  const loaded = await loadPlanFile(planPath);
  if (!loaded.ok) {
    for (const line of problemLines(planPath, [...loaded.warnings, ...loaded.problems])) io.err(line + '\n');
    return EXIT.invalid;
  }
  for (const line of problemLines(planPath, loaded.warnings)) io.err(line + '\n');
  const plan = loaded.plan;
  if (options.host !== undefined && !(options.host in plan.hosts)) {
    throw new CliError(`${planPath}: ${new UnknownHostError(options.host, Object.keys(plan.hosts)).message}`, EXIT.invalid);
  }
  const resolution = await resolveAddresses(plan, {
    ...(options.sshConfig !== undefined ? { sshConfigPath: options.sshConfig } : {}),
    ...(io.lookup ? { lookup: io.lookup } : {}),
    ...(io.homeDir ? { homeDir: io.homeDir } : {}),
  });
  if (resolution.problems.length > 0) {
    for (const line of problemLines(planPath, resolution.problems)) io.err(line + '\n');
    return EXIT.invalid;
  }
  const selection = options.host !== undefined ? { host: options.host } : {};
  io.out(
    options.batch
      ? formatBatchForms(renderBatchForms(plan, resolution.addresses, selection))
      : formatHostCommands(renderHandCommands(plan, resolution.addresses, selection)),
  );
  return EXIT.ok;
}
