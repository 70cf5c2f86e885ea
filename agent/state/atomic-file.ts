// The one way the agent writes a file in --state-dir: to a temp file, fsync, rename over the
// old one. A crash leaves the old content or the new, never half of either.
import { promises as fs } from 'fs';
import { dirname } from 'path';

export async function writeFileAtomically(file: string, body: string): Promise<void> {
  await fs.mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
  const handle = await fs.open(temp, 'w', 0o600);
  try {
    await handle.writeFile(body, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fs.rename(temp, file);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
}
