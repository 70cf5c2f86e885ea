// HTTP on the lab cluster: realserver services that answer their host's name, and a client
// that reports which realserver answered each request.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { HttpAnswer } from './http-client';
import { inNetns, LAB_EXEC_TIMEOUT_MS } from './netns';

export type { HttpAnswer } from './http-client';

export interface RunningServer {
  ns: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * Start `node http-server.js` inside `ns`, detached, answering `answer` on `port`;
 * resolves once it listens. Node starts slowly under UML: allow seconds.
 */
export function startHttpServer(ns: string, port: number, answer: string, startTimeoutMs = LAB_EXEC_TIMEOUT_MS): Promise<RunningServer> {
  return startListeningProgram(ns, 'http-server.js', [String(port), answer], `HTTP server for ${answer} in netns ${ns} on port ${port}`, startTimeoutMs);
}

/** Runs `node SCRIPT ARGS` (a program of this folder) in `ns`; resolves once it prints its first line ("listening"). */
export function startListeningProgram(ns: string, script: string, args: readonly string[], label: string, startTimeoutMs = LAB_EXEC_TIMEOUT_MS): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', ns, process.execPath, join(__dirname, script), ...args], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    const fail = (why: string): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${label}: ${why}${stderr ? `: ${stderr.trim()}` : ''}`));
    };
    const timer = setTimeout(() => fail(`not listening after ${startTimeoutMs} ms`), startTimeoutMs);
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', (error) => fail(error.message));
    const exitedEarly = (code: number | null): void => fail(`exited (${code}) before listening`);
    child.once('exit', exitedEarly);
    child.stdout.once('data', () => {
      clearTimeout(timer);
      child.off('exit', exitedEarly);
      // Our ends of its pipes must not keep this process (mocha) alive.
      child.stdout.destroy();
      child.stderr.destroy();
      child.unref();
      const pid = child.pid;
      if (pid === undefined) return fail('no pid');
      resolve({
        ns,
        pid,
        stop: async () => {
          if (child.exitCode !== null || child.signalCode !== null) return;
          child.kill('SIGKILL');
          await exited;
        },
      });
    });
  });
}

export interface HttpRequestOptions {
  /** per request; default 5 s */
  timeoutMs?: number;
  /** pause between requests; default none */
  intervalMs?: number;
}

/**
 * Make `count` requests from namespace `fromNs`, each on a fresh TCP connection, to `url`
 * (or cycling through the urls: 80, 443, 80, ...); say who answered each.
 */
export async function httpRequests(fromNs: string, url: string | readonly string[], count: number, options: HttpRequestOptions = {}): Promise<HttpAnswer[]> {
  const urls = typeof url === 'string' ? [url] : [...url];
  const timeoutMs = options.timeoutMs ?? 5000;
  const { stdout } = await inNetns(
    fromNs,
    process.execPath,
    [join(__dirname, 'http-client.js'), JSON.stringify(urls), String(count), String(timeoutMs), String(options.intervalMs ?? 0)],
    { timeoutMs: LAB_EXEC_TIMEOUT_MS + count * timeoutMs },
  );
  return JSON.parse(stdout) as HttpAnswer[];
}

/** How many requests each realserver answered ("(failed)" for failures), e.g. { r1: 20 }. */
export function countByServer(answers: readonly HttpAnswer[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const answer of answers) {
    const key = answer.server ?? '(failed)';
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
