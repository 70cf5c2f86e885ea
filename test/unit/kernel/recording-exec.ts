// An Exec that records every call and answers from a script, for testing the Linux backends
// without the tools: what ran (file + argument array + stdin) is what the tests assert.
import { ExecError, type Exec, type ExecOptions, type ExecResult } from '../../../agent/kernel/exec';

export interface RecordedCall {
  file: string;
  args: string[];
  options: ExecOptions;
}

export type Answer = ExecResult | ExecError;

export function recordingExec(answer: (file: string, args: readonly string[]) => Answer): { exec: Exec; calls: RecordedCall[] } {
  const calls: RecordedCall[] = [];
  const exec: Exec = async (file, args, options = {}) => {
    if (typeof file !== 'string' || !Array.isArray(args)) throw new Error('exec must get a file and an argument array');
    calls.push({ file, args: [...args], options });
    const result = answer(file, args);
    if (result instanceof ExecError) throw result;
    return result;
  };
  return { exec, calls };
}

export const ok = (stdout = '', stderr = ''): ExecResult => ({ stdout, stderr });

export function notFound(file: string, args: readonly string[]): ExecError {
  return new ExecError(file, args, 'not-found', null, '', `${file} is not installed (not found in PATH)`);
}

export function exitWith(file: string, args: readonly string[], code: number, stderr: string): ExecError {
  return new ExecError(file, args, 'exit', code, stderr, `exited with status ${code}: ${stderr}`);
}
