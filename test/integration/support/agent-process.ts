// Starts test/integration/support/agent-child.ts as a child process and hands back its
// port and a way to kill it (SIGKILL: no goodbye on the wire, as when a host dies) or freeze it.
import { spawn, type ChildProcess } from 'child_process';
import { rmSync } from 'fs';
import { join } from 'path';
import type { AgentRole } from '../../../lvs/wire/enum-names';
import type { TlsFiles } from '../../../lvs/wire/tls-files';

const CHILD = join(__dirname, 'agent-child.js');

export interface AgentProcess {
  port: number;
  kill(): void;
  /** SIGSTOP: the process freezes, its sockets stay open and unanswered (SIGKILL still ends it) */
  freeze(): void;
  /** kills it if still running, waits for it to go, removes its state dir */
  stop(): Promise<void>;
}

export function startAgentProcess(role: AgentRole, tls: TlsFiles): Promise<AgentProcess> {
  const child: ChildProcess = spawn(process.execPath, [CHILD, role, tls.ca, tls.cert, tls.key], { stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const giveUp = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`agent-child did not start: ${err}`)); }, 15_000);
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (!line) return;
      clearTimeout(giveUp);
      const { port, stateDir } = JSON.parse(line) as { port: number; stateDir: string };
      resolve({
        port,
        kill: () => child.kill('SIGKILL'),
        freeze: () => child.kill('SIGSTOP'),
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
          await exited;
          rmSync(stateDir, { recursive: true, force: true });
        },
      });
    });
    child.once('exit', (code) => { clearTimeout(giveUp); reject(new Error(`agent-child exited ${code}: ${err}`)); });
  });
}
