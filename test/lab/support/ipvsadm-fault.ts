// The faulty ipvsadm of apply-faults.test.ts: the agent is unchanged, it simply finds
// fault-bin/ipvsadm (a stand-in that runs the real one) first in its PATH. Unarmed it is
// the real ipvsadm; armed, it does one fault at a fixed point of the next apply: it holds
// the agent right after its batch took effect, or at its read-back, or makes the read-back
// miss lines. See fault-bin/ipvsadm for the modes.
import { constants } from 'node:fs';
import { access, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { LAB_TMP } from './agents';
import { sleep } from './netns';

/** test/lab/support/fault-bin in the checkout: this file runs as dist/test/lab/support/ipvsadm-fault.js. */
const FAULT_BIN = join(__dirname, '..', '..', '..', '..', 'test', 'lab', 'support', 'fault-bin');
const FAULT_DIR = join(LAB_TMP, 'ipvsadm-fault');

export type IpvsadmFault = 'pause-after-restore' | 'pause-read-back' | 'drop-read-back';

/** The environment that gives an agent the stand-in: PATH with fault-bin first, and where the real one is. */
export async function faultyIpvsadmEnv(): Promise<Record<string, string>> {
  const path = process.env.PATH ?? '';
  const real = await findInPath('ipvsadm', path);
  await mkdir(FAULT_DIR, { recursive: true });
  await access(join(FAULT_BIN, 'ipvsadm'), constants.X_OK).catch(() => {
    throw new Error(`${join(FAULT_BIN, 'ipvsadm')} is missing or not executable (git keeps its mode 755)`);
  });
  return { PATH: `${FAULT_BIN}${delimiter}${path}`, LAB_REAL_IPVSADM: real, LAB_FAULT_DIR: FAULT_DIR };
}

async function findInPath(name: string, path: string): Promise<string> {
  for (const dir of path.split(delimiter).filter((d) => d !== '')) {
    const candidate = join(dir, name);
    const ok = await access(candidate, constants.X_OK).then(() => true, () => false);
    if (ok) return candidate;
  }
  throw new Error(`no ${name} in PATH (${path})`);
}

/** Arms one fault for the next apply; `drop` = the exact `ipvsadm -S -n` lines the read-back leaves out. */
export async function armIpvsadmFault(mode: IpvsadmFault, drop: readonly string[] = []): Promise<void> {
  await disarmIpvsadmFault();
  if (mode === 'drop-read-back') await writeFile(join(FAULT_DIR, 'drop'), drop.map((line) => `${line}\n`).join(''));
  await writeFile(join(FAULT_DIR, 'arm'), mode);
}

/**
 * No fault armed, no marker left from an earlier one, and no agent still held: removing
 * "paused" lets a held stand-in go (see fault-bin/ipvsadm). A test that failed while the
 * stand-in held its apply would otherwise leave the director's queue blocked, for up to the
 * stand-in's 5 minutes, under every test after it.
 */
export async function disarmIpvsadmFault(): Promise<void> {
  await mkdir(FAULT_DIR, { recursive: true });
  const wasHeld = await exists(join(FAULT_DIR, 'paused'));
  for (const name of ['arm', 'restored', 'paused', 'release', 'drop', 'dropped']) await rm(join(FAULT_DIR, name), { force: true });
  if (wasHeld) await sleep(500); // the stand-in looks every 0.2 s
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}

/** Waits until the stand-in holds the agent; says where ("after-restore" or "read-back"). */
export async function waitUntilHeld(timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await readFile(join(FAULT_DIR, 'paused'), 'utf8').catch(() => undefined);
    // The stand-in renames a whole line into place; a line without its end is not one yet.
    if (text !== undefined && text.endsWith('\n')) return text.split(' ')[0] ?? '';
    if (Date.now() > deadline) throw new Error(`the faulty ipvsadm did not hold the agent within ${timeoutMs} ms: did the apply reach its batch?`);
    await sleep(50);
  }
}

/** Lets a held agent go on. */
export async function releaseIpvsadmFault(): Promise<void> {
  await writeFile(join(FAULT_DIR, 'release'), '');
}

/** Whether a drop-read-back fault has fired. */
export async function readBackWasCut(): Promise<boolean> {
  return exists(join(FAULT_DIR, 'dropped'));
}
