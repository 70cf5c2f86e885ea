// Sends one apply of a big director plan from a process of its own (so building and encoding
// it does not hold the measuring test's event loop) and prints the result event as JSON.
// Usage: node apply-sender-child.js PORT SERVICES DESTINATIONS CA CERT KEY
import { bigDirectorPlan } from './big-director-plan';
import { clientTo, mtls } from './agent-harness';

async function run(argv: string[]): Promise<void> {
  const [port, services, destinations, ca, cert, key] = argv;
  const client = clientTo(Number(port), mtls({ ca, cert, key }), 600_000);
  try {
    const result = await client.apply(bigDirectorPlan(Number(services), Number(destinations)), 'apply', () => undefined);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    client.close();
  }
}

if (require.main === module) {
  run(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`apply-sender-child: ${String(err)}\n`);
    process.exitCode = 1;
  });
}
