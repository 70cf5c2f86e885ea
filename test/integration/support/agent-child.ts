// Entry point of a real agent (gRPC server, mutual TLS, the fake applier) in a process of
// its own, so a test can SIGKILL it in the middle of an apply. Prints {"port":N,"stateDir":…}
// once it listens; every apply emits its first step and then takes ten minutes (it gets
// killed first). Usage: node agent-child.js ROLE CA CERT KEY
import type { AgentRole } from '../../../lvs/wire/enum-names';
import { startTestAgent } from './agent-harness';

async function run(argv: string[]): Promise<void> {
  const [role, ca, cert, key] = argv;
  const agent = await startTestAgent({ role: role as AgentRole, tls: { ca, cert, key } });
  agent.applier.delayMs = 10 * 60 * 1000;
  // The parent holds our stdin open: if it dies without killing us, we go too, at once.
  process.stdin.on('end', () => process.kill(process.pid, 'SIGKILL'));
  process.stdin.resume();
  process.stdout.write(`${JSON.stringify({ port: agent.port, stateDir: agent.stateDir })}\n`);
}

if (require.main === module) {
  run(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`agent-child: ${String(err)}\n`);
    process.exitCode = 1;
  });
}
