// Run as `unshare --net --mount -- node silent-resolver-child.js RESOLV_CONF PLAN`, as root: in
// that throwaway network and mount namespace, /etc/resolv.conf is RESOLV_CONF (pointing at
// 127.0.0.1), a UDP socket on 127.0.0.1:53 takes every query and never answers, and
// `lvsctl validate PLAN` runs against it. Prints one JSON line: its exit code, output and time.
// Nothing leaves the namespace: its only interface is lo.
import { execFileSync, spawn } from 'child_process';
import { createSocket } from 'dgram';
import { join } from 'path';

const LVSCTL = join(__dirname, '..', '..', '..', 'controller', 'cli', 'main.js');
const KILL_AFTER_MS = 60_000;

async function main(): Promise<void> {
  const [resolvConf, plan] = process.argv.slice(2);
  if (!resolvConf || !plan) throw new Error('usage: silent-resolver-child.js RESOLV_CONF PLAN');
  execFileSync('mount', ['--bind', resolvConf, '/etc/resolv.conf']);
  execFileSync('ip', ['link', 'set', 'lo', 'up']);
  let queries = 0;
  const silent = createSocket('udp4');
  silent.on('message', () => void queries++);
  await new Promise<void>((done) => silent.bind(53, '127.0.0.1', done));
  const started = Date.now();
  const result = await new Promise<{ code: number | null; stdout: string; stderr: string; killed: boolean }>((done) => {
    const child = spawn(process.execPath, [LVSCTL, 'validate', plan], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '', HOME: '/nonexistent' } });
    let stdout = '';
    let stderr = '';
    let killed = false;
    const killer = setTimeout(() => { killed = true; child.kill('SIGKILL'); }, KILL_AFTER_MS);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => { clearTimeout(killer); done({ code, stdout, stderr, killed }); });
  });
  silent.close();
  process.stdout.write(`${JSON.stringify({ ...result, ms: Date.now() - started, queries })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
