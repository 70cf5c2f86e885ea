// The CLI's own start-up on this machine, against `node -e 0` (the "a fast CLI":
// `lvsctl --help` and `lvsctl validate` of a small plan at most 2× node -e 0 on the same host):
// each command and node -e 0 run in turn (A B A B …), the ratio taken pair by pair and its
// median kept, so the machine's speed drifting between runs does not move it. Both ways lvsctl
// is run: from dist/ by node (npm, the lab) and the packaged single executable (the .deb's
// /usr/bin/lvsctl), when `--packaged` names one. Then where `validate`'s time goes: it runs from
// dist/ under `node --cpu-prof` PROFILED_RUNS times (a run is too short for enough samples
// alone), the profiles merged (the packaged executable takes no node options). Writes cli.json
// and profile-cli-validate.json in --dir.
//   node dist/bench/cli-startup.js --dir .lab/bench [--packaged dist/release/linux-x64/lvsctl] [--pairs 11]
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { bySampleCount, mergeCaptures } from './profile-merge';
import type { ProfileCapture } from './profiler';
import type { CliStartupResults } from './results';

const REPO = join(__dirname, '..', '..');
const SMALL_PLAN = join(REPO, 'examples', 'nat.json');

/** Wall time of one run, ms; fails unless it exits 0. */
function timed(argv: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(argv[0], argv.slice(1), { stdio: 'ignore', cwd: REPO });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', (error) => { clearTimeout(timer); reject(error); });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(performance.now() - started);
      else reject(new Error(`${argv.join(' ')} exited ${code ?? signal}`));
    });
  });
}

const PROFILED_RUNS = 5;
const PROFILE_INTERVAL_US = 100;

/** `argv` (node and its script first) run `runs` times under --cpu-prof, the profiles merged, each sample one interval. */
async function profiledRuns(argv: readonly string[], runs: number): Promise<ProfileCapture> {
  const dir = mkdtempSync(join(tmpdir(), 'lvsctl-bench-cli-prof-'));
  try {
    const startedAt = Date.now();
    for (let i = 0; i < runs; i++) {
      await timed([argv[0], '--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-interval', String(PROFILE_INTERVAL_US), ...argv.slice(1)]);
    }
    const stoppedAt = Date.now();
    const captures = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f): ProfileCapture => ({
      profile: JSON.parse(readFileSync(join(dir, f), 'utf8')) as unknown, execs: [], startedAt, stoppedAt, samplingIntervalUs: PROFILE_INTERVAL_US,
    }));
    return mergeCaptures(captures.map(bySampleCount));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function main(argv: string[]): Promise<void> {
  let dir = '';
  let packaged: string | undefined;
  let pairs = 11;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--dir') dir = argv[++i] ?? '';
    else if (argv[i] === '--packaged') packaged = argv[++i];
    else if (argv[i] === '--pairs') pairs = Number(argv[++i]);
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  if (!dir) throw new Error('--dir is required');
  const baseline = [process.execPath, '-e', '0'];
  const dist = [process.execPath, join(REPO, 'dist', 'controller', 'cli', 'main.js')];
  const commands: Array<{ figure: string; argv: string[] }> = [
    { figure: '`lvsctl --help`, from dist/ by node', argv: [...dist, '--help'] },
    { figure: '`lvsctl validate` of examples/nat.json, from dist/ by node', argv: [...dist, 'validate', SMALL_PLAN] },
  ];
  const results: CliStartupResults = { pairs, baseline: 'node -e 0', figures: [], notes: [] };
  if (packaged && existsSync(packaged)) {
    commands.push(
      { figure: '`lvsctl --help`, the packaged executable', argv: [packaged, '--help'] },
      { figure: '`lvsctl validate` of examples/nat.json, the packaged executable', argv: [packaged, 'validate', SMALL_PLAN] },
    );
  } else {
    results.notes.push(`the packaged executable was not measured: ${packaged ?? 'none given'} does not exist (npm run package builds it)`);
  }
  for (const command of commands) {
    try {
      // one of each first, not counted: the files are then in the page cache for both
      await timed(command.argv);
      await timed(baseline);
      const own: number[] = [];
      const base: number[] = [];
      const ratios: number[] = [];
      for (let i = 0; i < pairs; i++) {
        const a = await timed(command.argv);
        const b = await timed(baseline);
        own.push(a);
        base.push(b);
        ratios.push(a / b);
      }
      results.figures.push({ figure: command.figure, ms: median(own), baselineMs: median(base), ratio: median(ratios) });
    } catch (error) {
      results.notes.push(`${command.figure}: not measured (${error instanceof Error ? error.message : String(error)})`);
    }
  }
  try {
    const capture = await profiledRuns([...dist, 'validate', SMALL_PLAN], PROFILED_RUNS);
    writeFileSync(join(dir, 'profile-cli-validate.json'), JSON.stringify(capture));
    results.validateProfiledRuns = PROFILED_RUNS;
  } catch (error) {
    results.notes.push(`\`lvsctl validate\` was not profiled: ${error instanceof Error ? error.message : String(error)}`);
  }
  writeFileSync(join(dir, 'cli.json'), JSON.stringify(results, null, 2));
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(`bench cli-startup: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
