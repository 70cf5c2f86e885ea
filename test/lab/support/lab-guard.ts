// Lab tests change the kernel's network state: they must run inside the lab guest
// (scripts/lab/run-lab-tests.sh), never on a developer's machine.
export function requireLabGuest(): void {
  if (process.env.LAB_GUEST !== '1' || process.getuid?.() !== 0) {
    throw new Error('lab tests run inside the lab guest as root: use `npm run test:lab` (scripts/lab/run-lab-tests.sh)');
  }
}

/** Mocha budgets for the lab: UML makes every process start take a second or more. */
export const LAB_HOOK_TIMEOUT_MS = 180_000;
export const LAB_TEST_TIMEOUT_MS = 120_000;
