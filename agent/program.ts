// lvsctl-agent: the daemon on every director and realserver (main.ts starts it). This file
// parses the command line (command-line.ts) and only then loads start.ts, which starts the
// agent: --help and --version never load gRPC, winston or prom-client.
import { CommanderError } from 'commander';
import { buildProgram } from './command-line';
import type { RawAgentOptions } from './server/agent-config';
import { stderrErrorPrefix } from './journal';

async function run(argv: string[]): Promise<void> {
  const program = buildProgram();
  program.parse(argv);
  const { startAgent } = await import('./start');
  const given = program.options.map((o) => o.attributeName()).filter((name) => program.getOptionValueSource(name) === 'cli');
  await startAgent({ ...program.opts<RawAgentOptions>(), given });
}

/** The whole program: from dist/ (main.ts), or from a bundle (scripts/package/). */
export function runAgentCommand(argv: string[]): void {
  run(argv).catch((err: unknown) => {
    if (err instanceof CommanderError) {
      // --help and --version end here with code 0; a usage error already printed its message
      process.exit(err.exitCode === 0 ? 0 : 1);
    }
    // an AgentConfigError's message names the option and the fix
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`${stderrErrorPrefix()}lvsctl-agent: ${message}\n`);
    process.exit(1);
  });
}
