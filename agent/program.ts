// lvsctl-agent: the daemon on every director and realserver (main.ts starts it). This file
// parses the command line (command-line.ts) and only then loads start.ts, which starts the
// agent: --help and --version never load gRPC, winston or prom-client.
import { CommanderError, type Command } from 'commander';
import { buildProgram } from './command-line';
import type { RawAgentOptions } from './server/agent-config';
import { stderrErrorPrefix } from './journal';
import { firstFailureOf } from '../lvs/closed-output';
import { errorMessage } from '../lvs/errors';

async function run(argv: string[]): Promise<void> {
  const program = buildProgram();
  reportUsageErrors(program);
  program.parse(argv);
  const { startAgent } = await import('./start');
  const given = program.options.map((o) => o.attributeName()).filter((name) => program.getOptionValueSource(name) === 'cli');
  await startAgent({ ...program.opts<RawAgentOptions>(), given });
}

/** The whole program: from dist/ (main.ts), or from a bundle (scripts/package/). */
/** Where a unit's agent gets its options: the fix of a wrong one is made there, not on a command line. */
const UNIT_OPTIONS_HINT = ' (under systemd the agent\'s options are LVSCTL_AGENT_ARGS in /etc/default/lvsctl-agent, which lvsctl bootstrap writes from the plan: fix it there, then systemctl restart lvsctl-agent)';

/** Started by systemd (INVOCATION_ID: systemd.exec(5)). */
function underSystemd(): boolean {
  return process.env.INVOCATION_ID !== undefined;
}

/** A wrong option or file, in an agent systemd started; by name, so the config module is not loaded for this. */
function configErrorUnderSystemd(err: unknown): boolean {
  return err instanceof Error && err.name === 'AgentConfigError' && underSystemd();
}

/**
 * A usage error (an unknown or misspelt option) as a start error: at error priority in the
 * journal (`journalctl -p warning` shows why the unit keeps restarting), naming the program,
 * and under systemd where the options come from. Commander's own lines (a "Did you mean")
 * follow as it wrote them.
 */
function reportUsageErrors(program: Command): void {
  program.configureOutput({
    outputError: (text, write) => {
      // every line at error priority: "(Did you mean --role?)" is the fix, and must show under journalctl -p warning too
      const prefix = stderrErrorPrefix();
      const [first = '', ...rest] = text.replace(/\n$/, '').split('\n');
      write(`${prefix}lvsctl-agent: ${first}${underSystemd() ? UNIT_OPTIONS_HINT : ''}\n${rest.map((line) => `${prefix}${line}\n`).join('')}`);
    },
  });
}

export function runAgentCommand(argv: string[]): void {
  const stdoutFailure = firstFailureOf(process.stdout);
  run(argv).catch((err: unknown) => {
    if (err instanceof CommanderError) {
      // --help and --version end here with code 0; a usage error already printed its message.
      // A turn later: a write to stdout that failed (a full disk) has reported it by then.
      setImmediate(() => {
        const failure = stdoutFailure();
        if (err.exitCode === 0 && failure !== undefined) {
          process.stderr.write(`${stderrErrorPrefix()}lvsctl-agent: could not write to stdout (${errorMessage(failure)}): what it printed there is incomplete\n`);
          process.exit(1);
        }
        process.exit(err.exitCode === 0 ? 0 : 1);
      });
      return;
    }
    // an AgentConfigError's message names the option and the fix
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`${stderrErrorPrefix()}lvsctl-agent: ${message}${configErrorUnderSystemd(err) ? UNIT_OPTIONS_HINT : ''}\n`);
    process.exit(1);
  });
}
