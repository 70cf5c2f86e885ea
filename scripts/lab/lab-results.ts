// Reads mocha's JSON report of a lab run (written inside the guest to a host file) and
// prints the per-test list and the last line `lab: N passed, N failed` on the host.
//   node dist/scripts/lab/lab-results.js .lab/results/lab.json
// Exit status: 0 only when at least one test ran and none failed.
import { readFileSync } from 'node:fs';

interface MochaTest {
  fullTitle: string;
  duration?: number;
  err?: { message?: string; stack?: string };
}

export interface MochaJsonReport {
  stats: { passes: number; failures: number; pending: number; tests: number; duration?: number };
  passes: MochaTest[];
  failures: MochaTest[];
  pending: MochaTest[];
}

export interface LabSummary {
  lines: string[];
  passed: number;
  failed: number;
  ok: boolean;
}

export function summarizeLabResults(report: MochaJsonReport): LabSummary {
  const lines: string[] = [];
  for (const test of report.passes) lines.push(`  ok    ${test.fullTitle}${duration(test)}`);
  for (const test of report.pending) lines.push(`  skip  ${test.fullTitle}`);
  for (const test of report.failures) {
    lines.push(`  FAIL  ${test.fullTitle}${duration(test)}`);
    const message = (test.err?.message ?? 'failed without a message').split('\n').slice(0, 12);
    for (const line of message) lines.push(`          ${line}`);
  }
  const passed = report.passes.length;
  const failed = report.failures.length;
  if (passed + failed === 0) lines.push('lab: no test ran: that is a failure, not a pass');
  lines.push(`lab: ${passed} passed, ${failed} failed`);
  return { lines, passed, failed, ok: failed === 0 && passed > 0 };
}

function duration(test: MochaTest): string {
  return test.duration === undefined ? '' : ` (${(test.duration / 1000).toFixed(1)} s)`;
}

/** Parse a report file; a missing or torn file is a failed run with the reason. */
export function readLabReport(text: string, path: string): MochaJsonReport {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path} is not mocha JSON (${(error as Error).message}); did the guest stop mid-run? See the run's output.log`);
  }
  const report = parsed as Partial<MochaJsonReport>;
  if (!Array.isArray(report.passes) || !Array.isArray(report.failures) || !Array.isArray(report.pending)) {
    throw new Error(`${path} lacks mocha's passes/failures/pending lists; was it written by --reporter json?`);
  }
  return report as MochaJsonReport;
}

function main(): void {
  const path = process.argv[2];
  if (path === undefined) {
    process.stderr.write('usage: node lab-results.js REPORT.json\n');
    process.exit(2);
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    process.stdout.write(`lab: no report at ${path}: the tests did not finish\nlab: 0 passed, 0 failed\n`);
    process.exit(1);
  }
  try {
    const summary = summarizeLabResults(readLabReport(text, path));
    process.stdout.write(summary.lines.join('\n') + '\n');
    process.exit(summary.ok ? 0 : 1);
  } catch (error) {
    process.stdout.write(`lab: ${(error as Error).message}\nlab: 0 passed, 0 failed\n`);
    process.exit(1);
  }
}

if (require.main === module) main();
