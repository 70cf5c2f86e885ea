// Preloaded into an agent by the benchmark (NODE_OPTIONS="--require
// dist/bench/agent-hook.js", BENCH_PROFILE_OUT=FILE; bench/agent-profile.ts): SIGUSR2 starts a
// CPU profile (and the timing of every tool the agent runs, and of the event loop's turns
// unless BENCH_PROFILE_STALLS=0), the next SIGUSR2 stops it and writes FILE. Nothing
// is loaded or sampled until the first signal; the agent's own code is not touched.
import { renameSync, writeFileSync } from 'node:fs';
import { profiling, startProfile, stopProfile } from './profiler';

const out = process.env.BENCH_PROFILE_OUT;
if (out !== undefined && out !== '') {
  let busy = false;
  process.on('SIGUSR2', () => {
    if (busy) return;
    busy = true;
    const step = profiling()
      ? stopProfile().then((capture) => {
        writeFileSync(`${out}.tmp`, JSON.stringify(capture));
        renameSync(`${out}.tmp`, out);
      })
      : startProfile(Number(process.env.BENCH_PROFILE_INTERVAL_US ?? 1000), process.env.BENCH_PROFILE_STALLS !== '0').then(() => writeFileSync(`${out}.started`, String(Date.now())));
    step
      .catch((e: unknown) => process.stderr.write(`bench agent-hook: ${e instanceof Error ? e.message : String(e)}\n`))
      .finally(() => { busy = false; });
  });
}
