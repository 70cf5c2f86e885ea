#!/usr/bin/env node
// lvsctl-agent's entry (package.json "bin"): the program from dist/agent-bundle/ while that is
// fresh (lvs/dist-bundle.ts), else program.ts as compiled. Nothing else is loaded before the choice.
import { join } from 'node:path';
import { loadDistBundle } from '../lvs/dist-bundle';

type RunAgentCommand = (argv: string[]) => void;

/** dist/agent-bundle/, from dist/agent/ */
export const AGENT_BUNDLE_DIR = join(__dirname, '..', 'agent-bundle');

function runAgentCommand(): RunAgentCommand {
  const bundled = loadDistBundle(AGENT_BUNDLE_DIR);
  if (bundled) return (bundled.exports as { runAgentCommand: RunAgentCommand }).runAgentCommand;
  return (require('./program') as typeof import('./program')).runAgentCommand;
}

if (require.main === module) runAgentCommand()(process.argv);
