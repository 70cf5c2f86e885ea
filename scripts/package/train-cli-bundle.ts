// The training run of the CLI bundle (cli-bundle.ts), in a node of its own:
//   node dist/scripts/package/train-cli-bundle.js BUNDLE_DIR '[["--help"],["validate","examples/nat.json"]]'
// runs each command line through the bundle's main, one after the other, and at exit V8's code
// cache of the bundle, with every function those runs compiled, is written beside it.
import { loadCliBundle } from '../../controller/cli/bundled-cli';

async function train(dir: string, runs: string[][]): Promise<void> {
  const bundled = loadCliBundle(dir, { writeCacheAtExit: true });
  if (!bundled) throw new Error(`${dir} holds no bundle whose files are as it was made from`);
  for (const args of runs) {
    const code = await bundled.main(['node', 'lvsctl', ...args]);
    if (code !== 0) throw new Error(`lvsctl ${args.join(' ')} exited ${code}`);
  }
}

const [dir, runs] = process.argv.slice(2);
train(dir ?? '', JSON.parse(runs ?? '[]') as string[][]).catch((error: unknown) => {
  console.error(`train-cli-bundle: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
