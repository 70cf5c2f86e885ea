// Run by scripts/postbuild.js after tsc: writes the man pages and the completion scripts into
// dist/share/ (dist/share/man/man{1,5,8}/…, dist/share/completions/…), the paths the package
// installs. All from the command definitions --help prints, and docs/plan-reference.md.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildProgram as agentProgram } from '../../agent/command-line';
import { buildProgram as lvsctlProgram } from '../../controller/cli/program';
import { completionScript, SHELLS } from '../../controller/cli/completion-scripts';
import { describeCommand } from '../../controller/cli/help-model';
import { VERSION } from '../../lvs/version';
import { agentPage, lvsctlPage, planPage, type PageMeta } from './pages';

export const COMPLETION_FILES = { bash: 'lvsctl.bash', zsh: '_lvsctl', fish: 'lvsctl.fish' } as const;

function buildDate(): string {
  const epoch = Number(process.env.SOURCE_DATE_EPOCH);
  return (Number.isFinite(epoch) && epoch > 0 ? new Date(epoch * 1000) : new Date()).toISOString().slice(0, 10);
}

export function buildShare(repo: string, dist: string): string[] {
  const meta: PageMeta = { version: VERSION, date: buildDate() };
  const lvsctl = describeCommand(lvsctlProgram());
  const written: string[] = [];
  const write = (path: string, text: string): void => {
    const file = join(dist, 'share', path);
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, text);
    written.push(file);
  };
  write('man/man1/lvsctl.1', lvsctlPage(lvsctl, meta));
  write('man/man8/lvsctl-agent.8', agentPage(describeCommand(agentProgram()), meta));
  write('man/man5/lvsctl-plan.5', planPage(readFileSync(join(repo, 'docs', 'plan-reference.md'), 'utf8'), meta));
  for (const shell of SHELLS) write(`completions/${COMPLETION_FILES[shell]}`, completionScript(lvsctl, shell));
  return written;
}

if (require.main === module) {
  const repo = join(__dirname, '..', '..', '..');
  buildShare(repo, join(repo, 'dist'));
}
