// loadPlanFile: from a path to a validated plan, or to problems an operator can act on:
// a missing file, a directory, an empty or oversized file, bad JSON (line and column),
// duplicate keys, then everything validatePlan finds. Never throws for a bad file.
import { constants as fsConstants, fstatSync, promises as fs } from 'node:fs';
import type { PlanProblem } from './errors';
import { readStreamUpTo } from '../../lvs/bounded-stream';
import { hasDuplicateKeys, protoKeyPointers, scanJson } from './json-syntax';
import type * as Validator from './validate';
import type { ValidationResult } from './validate';

/**
 * Room for the largest plan lvsctl takes, as a person or lvsctl import writes it: 20,000
 * services × 10 realservers indented is about 24 MiB (10 MiB without a space). More is not a
 * plan; loading 24 MiB costs about 1.5 s and 160 MB on a 2-core host.
 */
export const MAX_PLAN_BYTES = 32 * 1024 * 1024;

export type LoadResult = ValidationResult;

/**
 * The validator (zod, the schema, every rule) is loaded with the first plan, not with this
 * module: the commands that load plans import this one, and their --help must stay quick.
 */
function validator(): typeof Validator {
  return require('./validate') as typeof Validator;
}

function refused(problem: PlanProblem): LoadResult {
  return { ok: false, problems: [problem], warnings: [] };
}

function fileProblem(message: string, hint?: string): LoadResult {
  return refused({ pointer: '', message, ...(hint ? { hint } : {}) });
}

function mebibytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

function readError(err: unknown): LoadResult {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return fileProblem('no such file', 'check the path; a plan is a JSON file such as plan.json (see docs/plan-reference.md)');
    case 'EACCES':
    case 'EPERM':
      return fileProblem('permission denied reading the plan', 'make the file readable by this user');
    case 'EISDIR':
      return fileProblem('is a directory, not a plan file', 'give the path of the plan.json inside it');
    case 'ENOTDIR':
      return fileProblem('a part of the path is not a directory', 'check the path');
    default:
      return fileProblem(`cannot read the plan: ${err instanceof Error ? err.message : String(err)}`);
  }
}

async function readBounded(path: string): Promise<{ text: string } | { failure: LoadResult }> {
  let handle: fs.FileHandle | undefined;
  try {
    // non-blocking: opening a named pipe with no writer would wait for one for ever (a file is read as ever)
    handle = await fs.open(path, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
    const stat = await handle.stat();
    if (stat.isDirectory()) return { failure: readError(Object.assign(new Error('directory'), { code: 'EISDIR' })) };
    if (!stat.isFile()) return { failure: fileProblem('is not a regular file', 'give the path of a plan.json file, or - to read the plan from standard input') };
    if (stat.size > MAX_PLAN_BYTES) return { failure: tooLarge(stat.size) };
    // Read one byte past the bound, so a file that grew since stat is still caught.
    const buffer = Buffer.alloc(Math.min(stat.size, MAX_PLAN_BYTES) + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length === buffer.length) break;
    }
    if (length > MAX_PLAN_BYTES) return { failure: tooLarge(length) };
    return { text: buffer.subarray(0, length).toString('utf8') };
  } catch (err) {
    return { failure: readError(err) };
  } finally {
    await handle?.close();
  }
}

const STDIN = '-';

function stdinIsDirectory(): boolean {
  try {
    return fstatSync(0).isDirectory();
  } catch {
    return false;
  }
}

/** Standard input up to the plan's bound: a larger stream is refused as a larger file is. */
export async function readStdinBounded(stream: NodeJS.ReadableStream, isDirectory = stdinIsDirectory): Promise<{ text: string } | { failure: LoadResult }> {
  // `lvsctl validate - < some-dir` reads nothing and would be called empty
  if (isDirectory()) return { failure: fileProblem('is a directory, not a plan (standard input)', 'give the plan.json inside it: lvsctl validate - < DIR/plan.json') };
  const text = await readStreamUpTo(stream, MAX_PLAN_BYTES);
  // what has come so far is not the size of what was sent: "more than" the bound
  return text === undefined ? { failure: tooLarge(MAX_PLAN_BYTES + 1) } : { text };
}

function tooLarge(bytes: number): LoadResult {
  return fileProblem(
    `is ${bytes > MAX_PLAN_BYTES + 1 ? `${mebibytes(bytes)}, ` : ''}over the ${mebibytes(MAX_PLAN_BYTES)} a plan may be`,
    'split the cluster into several plans, e.g. one per director pair or per VIP, and roll out each',
  );
}

/** Parses plan text (as read from a file) and validates it. */
export function loadPlanText(text: string): LoadResult {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text; // a UTF-8 BOM some editors write
  if (body.trim() === '') {
    return fileProblem('is empty', 'a plan starts with { "apiVersion": "lvsctl/v1", "cluster": …, "hosts": …, "services": … }; `lvsctl schema` prints its shape');
  }
  let input: unknown;
  try {
    input = JSON.parse(body);
  } catch (err) {
    const scan = scanJson(body);
    const where = scan.error;
    if (!where) return fileProblem(`is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
    return fileProblem(`is not valid JSON: line ${where.line}, column ${where.column}: ${where.message}`, where.hint);
  }
  // the quick question first: only a plan with a duplicate needs scanJson's pointers
  const duplicates: PlanProblem[] = (hasDuplicateKeys(body, input) ? scanJson(body).duplicateKeys : []).map((pointer) => ({
    pointer,
    message: `key "${pointer.slice(pointer.lastIndexOf('/') + 1)}" is given twice in the same object; JSON keeps only the last`,
    hint: 'merge the two into one',
  }));
  // the walk only for a text that can hold the key: as written, or spelt with \u escapes
  const protoKeys: PlanProblem[] = (body.includes('__proto__') || body.includes('\\u') ? protoKeyPointers(input) : []).map((pointer) => ({
    pointer,
    message: 'key "__proto__" is not a name lvsctl takes: JavaScript reads it as the object\'s prototype, and it would be dropped without a word',
    hint: 'rename it: a name starts with a letter or a digit',
  }));
  const result = validator().validatePlan(input);
  // where the schema names the key already (an unknown key of a fixed object), once is enough
  const refused = [...duplicates, ...protoKeys.filter((p) => !result.problems.some((q) => q.pointer === p.pointer))];
  if (refused.length === 0) return result;
  return { ok: false, problems: [...refused, ...result.problems], warnings: result.warnings };
}

/** The plan of a file, or of standard input for "-". */
export async function loadPlanFile(path: string): Promise<LoadResult> {
  const read = path === STDIN ? await readStdinBounded(process.stdin) : await readBounded(path);
  if ('failure' in read) return read.failure;
  return loadPlanText(read.text);
}
