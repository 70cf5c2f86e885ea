// The training run of lvsctl's dist/ bundle (dist-bundles.ts), in a node of its own:
//   node dist/scripts/package/train-dist-bundle.js BUNDLE_DIR '[["--help"],["validate","examples/nat.json"]]'
// runs each command line through the bundle's main, one after the other, and at exit V8's code
// cache of the bundle, with every function those runs compiled, is written beside it.
import { loadDistBundle } from '../../lvs/dist-bundle';

async function train(dir: string, runs: string[][]): Promise<void> {
  const bundled = loadDistBundle(dir, { writeCacheAtExit: true });
  if (!bundled) throw new Error(`${dir} holds no bundle whose files are as it was made from`);
  const { main } = bundled.exports as { main: (argv: string[]) => Promise<number> };
  for (const args of runs) {
    const code = await main(['node', 'lvsctl', ...args]);
    if (code !== 0) throw new Error(`lvsctl ${args.join(' ')} exited ${code}`);
  }
}

const [dir, runs] = process.argv.slice(2);
train(dir ?? '', JSON.parse(runs ?? '[]') as string[][]).catch((error: unknown) => {
  console.error(`train-dist-bundle: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
