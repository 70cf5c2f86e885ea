// lvsctl-agent: the daemon on every director and realserver (main.ts starts it). This file
// parses the command line (command-line.ts) and only then loads start.ts, which starts the
// agent: --help and --version never load gRPC, winston or prom-client.
import { CommanderError } from 'commander';
import { buildProgram } from './command-line';
import type { RawAgentOptions } from './server/agent-config';
import { stderrErrorPrefix } from './journal';
import { firstFailureOf } from '../lvs/closed-output';
import { errorMessage } from '../lvs/errors';

async function run(argv: string[]): Promise<void> {
  const program = buildProgram();
  program.parse(argv);
  const { startAgent } = await import('./start');
  const given = program.options.map((o) => o.attributeName()).filter((name) => program.getOptionValueSource(name) === 'cli');
  await startAgent({ ...program.opts<RawAgentOptions>(), given });
}

/** The whole program: from dist/ (main.ts), or from a bundle (scripts/package/). */
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
    process.stderr.write(`${stderrErrorPrefix()}lvsctl-agent: ${message}\n`);
    process.exit(1);
  });
}
