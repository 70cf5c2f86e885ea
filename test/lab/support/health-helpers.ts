// What the health and drain lab tests look at, as a user would: the director's `ipvsadm -Ln`
// weights and connection counts, its `ipvsadm -Ln --stats --exact` counters, the agent's
// /metrics scraped over HTTP, lvsctl's --json output; realserver HTTP servers the test can
// stop and start again; and a bounded wait that says how long a condition took.
//
// The parsers here are written apart from the agent's own (lvs/formats/ipvs-stats.ts) on
// purpose: a test that read the kernel through the code under test would prove nothing.
import { strict as assert } from 'node:assert';
import type { CommandResult, LabCluster } from './cluster';
import { startHttpServer, type RunningServer } from './http';
import { inNetns, sleep } from './netns';
import type { IpvsCounters } from '../../../lvs/ipvs-reading';

/**
 * The before hooks' budget: certificates (a minute and more in a loaded guest, the first
 * cluster of a boot only), three agents and a rollout, each a node start of seconds in UML.
 */
export const CLUSTER_HOOK_TIMEOUT_MS = 360_000;

// ---------------------------------------------------------------------------------------
// Realserver HTTP servers the test controls (the cluster's own `httpPorts` cannot be stopped one by one).

export interface RealserverHttp {
  /** kill `host`'s server: its port refuses connections from now on */
  stop(host: string): Promise<void>;
  /** start `host`'s server again; resolves once it listens */
  start(host: string): Promise<void>;
  stopAll(): Promise<void>;
}

/** An HTTP server on `port` in each host's namespace, answering the host's name. */
export async function startRealserverHttp(hosts: readonly string[], port: number): Promise<RealserverHttp> {
  const running = new Map<string, RunningServer>();
  const start = async (host: string): Promise<void> => {
    if (running.has(host)) throw new Error(`the HTTP server of ${host} already runs`);
    running.set(host, await startHttpServer(host, port, host));
  };
  const stop = async (host: string): Promise<void> => {
    const server = running.get(host);
    if (server === undefined) throw new Error(`the HTTP server of ${host} is not running; started: ${[...running.keys()].join(', ') || 'none'}`);
    running.delete(host);
    await server.stop();
  };
  for (const host of hosts) await start(host);
  return { start, stop, stopAll: async () => { for (const host of [...running.keys()]) await stop(host); } };
}

// ---------------------------------------------------------------------------------------
// Waiting with a bound.

/**
 * Poll `observe` until `done(value)` holds; resolves with the value and how long it took.
 * Past `timeoutMs` it throws with the last observation, so a failure shows what was seen.
 */
export async function waitUntil<T>(what: string, observe: () => Promise<T>, done: (value: T) => boolean, options: { timeoutMs: number; intervalMs?: number; describe?: (value: T) => string }): Promise<{ value: T; elapsedMs: number; readMs: number }> {
  const started = Date.now();
  for (;;) {
    const readStarted = Date.now();
    const value = await observe();
    const elapsedMs = Date.now() - started;
    // how long the observation itself took: part of elapsedMs that is the lab's, not the system's
    if (done(value)) return { value, elapsedMs, readMs: Date.now() - readStarted };
    if (elapsedMs > options.timeoutMs) {
      const seen = options.describe ? options.describe(value) : JSON.stringify(value);
      throw new Error(`${what}: not within ${options.timeoutMs} ms; last seen:\n${seen}`);
    }
    await sleep(options.intervalMs ?? 100);
  }
}

// ---------------------------------------------------------------------------------------
// `ipvsadm -Ln` (weights, connections) and `ipvsadm -Ln --stats --exact` (counters).

export interface IpvsDestinationRow {
  /** "TCP 10.0.0.100:80" as ipvsadm prints the service line's first two words */
  service: string;
  /** "10.0.0.11:80" */
  realserver: string;
  forward: string;
  weight: number;
  active: number;
  inactive: number;
}

/** `ipvsadm -Ln --exact` in `ns`: every destination with its weight and connection counts, and the text as printed. */
export async function ipvsDestinations(ns: string): Promise<{ text: string; rows: IpvsDestinationRow[] }> {
  const { stdout } = await inNetns(ns, 'ipvsadm', ['-Ln', '--exact']);
  const rows: IpvsDestinationRow[] = [];
  let service: string | undefined;
  for (const line of stdout.split('\n').slice(3)) {
    const serviceLine = /^(TCP|UDP|SCTP|FWM)\s+(\S+)/.exec(line);
    if (serviceLine) {
      service = `${serviceLine[1]} ${serviceLine[2]}`;
      continue;
    }
    const dest = /^\s+->\s+(\S+)\s+(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s*$/.exec(line);
    if (dest && service !== undefined) {
      rows.push({ service, realserver: dest[1] as string, forward: dest[2] as string, weight: Number(dest[3]), active: Number(dest[4]), inactive: Number(dest[5]) });
    }
  }
  return { text: stdout, rows };
}

export function findDestination(rows: readonly IpvsDestinationRow[], service: string, realserver: string): IpvsDestinationRow | undefined {
  return rows.find((row) => row.service === service && row.realserver === realserver);
}

/** `ipvsadm -Ln --stats --exact` in `ns`: counters keyed "TCP 10.0.0.100:80" (service) and "TCP 10.0.0.100:80 -> 10.0.0.11:80". */
export async function ipvsStats(ns: string): Promise<{ text: string; counters: Map<string, IpvsCounters> }> {
  const { stdout } = await inNetns(ns, 'ipvsadm', ['-Ln', '--stats', '--exact']);
  const counters = new Map<string, IpvsCounters>();
  let service: string | undefined;
  const numbers = (words: readonly string[]): IpvsCounters => {
    const [connections, inPackets, outPackets, inBytes, outBytes] = words.map(Number) as [number, number, number, number, number];
    return { connections, inPackets, outPackets, inBytes, outBytes };
  };
  for (const line of stdout.split('\n').slice(3)) {
    const serviceLine = /^(TCP|UDP|SCTP)\s+(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*$/.exec(line);
    if (serviceLine) {
      service = `${serviceLine[1]} ${serviceLine[2]}`;
      counters.set(service, numbers(serviceLine.slice(3)));
      continue;
    }
    const dest = /^\s+->\s+(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*$/.exec(line);
    if (dest && service !== undefined) counters.set(`${service} -> ${dest[1]}`, numbers(dest.slice(2)));
  }
  return { text: stdout, counters };
}

// ---------------------------------------------------------------------------------------
// /metrics over HTTP from inside a namespace.

const SCRAPE_PROGRAM = `
const [url] = process.argv.slice(1);
fetch(url, { signal: AbortSignal.timeout(20000) }).then(async (response) => {
  const body = await response.text();
  if (!response.ok) { process.stderr.write('HTTP ' + response.status + ': ' + body); process.exit(1); }
  process.stdout.write(body);
}, (error) => { process.stderr.write(String(error && error.cause || error)); process.exit(1); });
`;

/** GET `url` from inside `ns` (node's fetch, the URL as argv) and return the body. */
export async function scrapeMetrics(ns: string, url: string): Promise<string> {
  return (await inNetns(ns, process.execPath, ['-e', SCRAPE_PROGRAM, url])).stdout;
}

/** One sample of the Prometheus text format: `name{a="x",b="y"} value`. */
export interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export function parseMetrics(text: string): MetricSample[] {
  const samples: MetricSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (match === null) throw new Error(`/metrics: a line that is not a sample: "${line}"`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1] as string] = (pair[2] as string).replace(/\\(.)/g, '$1');
    samples.push({ name: match[1] as string, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The value of `name` whose labels include all of `labels`; undefined when there is none. */
export function metricValue(samples: readonly MetricSample[], name: string, labels: Readonly<Record<string, string>> = {}): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

// ---------------------------------------------------------------------------------------
// lvsctl --json as a user's script reads it.

export function explain(result: CommandResult): string {
  return `exit ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
}

/** Run `lvsctl COMMAND PLAN --json ...` on the cluster and parse its one JSON document. */
export async function lvsctlJson<T>(cluster: LabCluster, command: string, args: readonly string[] = []): Promise<{ result: CommandResult; json: T }> {
  const result = await cluster.lvsctl([command, cluster.planPath, '--json', ...args]);
  let json: T;
  try {
    json = JSON.parse(result.stdout) as T;
  } catch (error) {
    assert.fail(`lvsctl ${command} --json did not print one JSON document (${(error as Error).message}):\n${explain(result)}`);
  }
  return { result, json };
}

/** The JSON shapes the tests read (docs/health.md; only the fields asserted on). */
export interface HealthJson {
  exitCode: number;
  hosts: Array<{
    host: string;
    role: string;
    ok: boolean;
    targets?: Array<{ service: string; host: string; address: string; checked: boolean; state: string; plannedWeight: number; currentWeight: number; reason: string; kernel?: { weight: number } }>;
    events?: Array<{ at: string; kind: string; service?: string; host?: string; address?: string; from?: string; to?: string; message: string }>;
  }>;
}

export interface StatusJson {
  exitCode: number;
  hosts: Array<{ host: string; ok: boolean; drift?: Array<{ kind: string; message: string }>; explainedByHealth?: Array<{ address: string; message: string }> }>;
}

export interface ConnectionsJson {
  exitCode: number;
  hosts: Array<{
    host: string;
    ok: boolean;
    connections?: Array<{ protocol: string; state: string; template: boolean; realserver?: string; client: { address: string; port: number }; virtual: { address: string; port: number }; destination: { address: string; port: number } }>;
  }>;
}

/** The answer of `host` in an lvsctl --json document; fails the test when it is absent or not ok. */
export function answerOf<H extends { host: string; ok: boolean }>(json: { hosts: H[] }, host: string, context: string): H {
  const answer = json.hosts.find((h) => h.host === host);
  assert.ok(answer, `no answer from ${host} in:\n${context}`);
  assert.equal(answer.ok, true, `${host} did not answer:\n${context}`);
  return answer;
}
