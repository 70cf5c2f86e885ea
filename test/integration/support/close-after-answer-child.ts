// Asks an agent Hello, closes the client on the turn that brought the answer and makes V8
// collect before that turn ends, ROUNDS times; prints "closed N clients" if the process
// lives through it. Run with --expose-gc (client-close.test.ts).
// Usage: node --expose-gc close-after-answer-child.js PORT ROUNDS CA CERT KEY
import { clientTo, mtls } from './agent-harness';

async function run(argv: string[]): Promise<void> {
  const [port, rounds, ca, cert, key] = argv;
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) throw new Error('run with --expose-gc');
  for (let i = 0; i < Number(rounds); i++) {
    const client = clientTo(Number(port), mtls({ ca, cert, key }), 5_000);
    await client.hello();
    // still on the stack of the read that delivered the answer
    client.close();
    await new Promise((resolve) => process.nextTick(resolve));
    collect();
    const garbage = Array.from({ length: 2_000 }, (_, j) => ({ j, text: 'x'.repeat(50) }));
    if (garbage.length !== 2_000) throw new Error('unreachable');
    collect();
  }
  process.stdout.write(`closed ${rounds} clients\n`);
}

if (require.main === module) {
  run(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`close-after-answer-child: ${String(err)}\n`);
    process.exitCode = 1;
  });
}
