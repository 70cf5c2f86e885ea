// lvsctl completion bash|zsh|fish: prints the completion script, generated from the very
// command definitions --help prints (help-model.ts, completion-scripts.ts, loaded when it runs).
import { Argument, type Command } from 'commander';
import { exitCodesText } from './exit-help';

export function register(program: Command): void {
  program
    .command('completion')
    .description('print the shell completion script for bash, zsh or fish')
    .addArgument(new Argument('<shell>', 'the shell').choices(['bash', 'zsh', 'fish']))
    .addHelpText('after', [
      '',
      'Load it for this shell, or install it where the shell looks:',
      '  bash: source <(lvsctl completion bash)   or   lvsctl completion bash > /etc/bash_completion.d/lvsctl',
      '  zsh:  lvsctl completion zsh > "${fpath[1]}/_lvsctl"   (then: compinit)',
      '  fish: lvsctl completion fish > ~/.config/fish/completions/lvsctl.fish',
      exitCodesText([[0, 'the script printed'], [1, 'a shell other than bash, zsh or fish']]),
    ].join('\n'))
    .action(async (shell: 'bash' | 'zsh' | 'fish') => {
      const [{ describeCommand }, { completionScript }] = await Promise.all([import('./help-model'), import('./completion-scripts')]);
      process.stdout.write(completionScript(describeCommand(program), shell));
    });
}
