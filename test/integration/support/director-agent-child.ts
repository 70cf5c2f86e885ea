// A real director agent in a process of its own: the gRPC server with mutual TLS, the real
// director applier and Status on the in-memory kernel. Its event loop is its own, so a test
// that times calls to it measures the agent, not the test's own work (building and encoding
// a 20,000-service plan). Prints {"port":N} once it listens; exits when stdin closes.
// Usage: node director-agent-child.js CA CERT KEY
import { createDirectorApplier } from '../../../agent/director/applier';
import { FakeIpvs } from '../../../agent/kernel/fake/ipvs';
import { FakeMarks } from '../../../agent/kernel/fake/marks';
import { IpvsWriter } from '../../../agent/kernel/ipvs-writer';
import { silentLogger } from '../../../agent/logging';
import { ipvsStatusSource } from '../../../agent/metrics/ipvs-status';
import { startTestAgent } from './agent-harness';
import { removeTempDirs } from '../../temp-dirs';

async function run(argv: string[]): Promise<void> {
  const [ca, cert, key] = argv;
  const ipvs = new FakeIpvs();
  const agent = await startTestAgent({
    tls: { ca, cert, key },
    applier: (stateDir) => createDirectorApplier({ stateDir, logger: silentLogger(), kernel: { ipvs: new IpvsWriter(ipvs), marks: new FakeMarks() } }),
    status: ipvsStatusSource(ipvs, () => Promise.resolve([])),
  });
  // its state directory goes with it (the parent's run removes only the directories it made)
  process.stdin.on('end', () => {
    removeTempDirs();
    process.exit(0);
  });
  process.stdin.resume();
  process.stdout.write(`${JSON.stringify({ port: agent.port })}\n`);
}

if (require.main === module) {
  run(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`director-agent-child: ${String(err)}\n`);
    process.exitCode = 1;
  });
}
