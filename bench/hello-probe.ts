// A separate process that asks one agent Hello every --interval-ms over one mutual-TLS
// channel (the project's own client, controller/client), until SIGTERM or --max-s: each
// call's latency is kept. Run apart from the controller so the controller's own work (a
// 20,000-service plan is validated and compiled in its process) does not delay the probe.
// Prints "ready" once the first Hello answered; on exit writes --out (JSON).
import { writeFileSync } from 'node:fs';
import { createGrpcConnector } from '../controller/client/grpc-client';
import { clientTlsFromOptions } from '../controller/client/tls-options';
import { PROBE_STOPPED } from './results';

interface Sample {
  /** ms since the epoch when the call was sent */
  at: number;
  ms: number;
  ok: boolean;
  error?: string;
}

function option(name: string, fallback?: string): string {
  const at = process.argv.indexOf(`--${name}`);
  const value = at >= 0 ? process.argv[at + 1] : fallback;
  if (value === undefined) throw new Error(`hello-probe: --${name} is required`);
  return value;
}

async function main(): Promise<void> {
  const address = option('address');
  const port = Number(option('port', '7400'));
  const intervalMs = Number(option('interval-ms', '100'));
  const maxS = Number(option('max-s', '900'));
  const callTimeoutMs = Number(option('call-timeout-ms', '60000'));
  const out = option('out');
  const tls = clientTlsFromOptions({ ca: option('ca'), cert: option('cert'), key: option('key') }, {});
  const client = createGrpcConnector({ tls, timeoutMs: callTimeoutMs })({ host: 'probe-target', address, port });
  const samples: Sample[] = [];
  let inFlight: { at: number; t0: number } | undefined;
  const finish = (): void => {
    // a call still unanswered counts as one, as long as it has waited so far
    if (inFlight) samples.push({ at: inFlight.at, ms: performance.now() - inFlight.t0, ok: false, error: PROBE_STOPPED });
    client.close();
    writeFileSync(out, JSON.stringify({ address, intervalMs, samples }));
    process.exit(0);
  };
  process.on('SIGTERM', finish);
  const endAt = Date.now() + maxS * 1000;
  let ready = false;
  while (Date.now() < endAt) {
    const at = Date.now();
    const t0 = performance.now();
    inFlight = { at, t0 };
    try {
      await client.hello();
      inFlight = undefined;
      samples.push({ at, ms: performance.now() - t0, ok: true });
      if (!ready) {
        ready = true;
        process.stdout.write('ready\n');
      }
    } catch (e) {
      inFlight = undefined;
      samples.push({ at, ms: performance.now() - t0, ok: false, error: e instanceof Error ? e.message.slice(0, 300) : String(e) });
    }
    const wait = intervalMs - (performance.now() - t0);
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  finish();
}

main().catch((e: unknown) => {
  process.stderr.write(`hello-probe: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
