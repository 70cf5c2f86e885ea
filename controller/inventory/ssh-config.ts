// The user's ssh config as an address book: `Host` alias (patterns included) → `HostName`,
// computed the way ssh computes it (first value wins, patterns and negations honoured,
// Include followed: ssh-config-include.ts).
import { errorMessage } from '../../lvs/errors';
import { NotRegularFileError, readRegularFileSync } from '../../lvs/regular-file';
import { readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { parse } from 'ssh-config';
import { expandIncludes, SshIncludeError, type IncludeFiles } from './ssh-config-include';
import type { PlanProblem } from '../plan/errors';

/** alias → the HostName ssh would connect to, or undefined when the config names none */
export type SshHostNames = (alias: string) => string | undefined;

/** ssh expands %h (the alias) and %% in HostName; other tokens make no sense there. */
function expandTokens(hostName: string, alias: string): string {
  return hostName.replace(/%([%h])/g, (_, token: string) => (token === 'h' ? alias : '%'));
}

export function sshHostNamesFromText(text: string): SshHostNames {
  const config = parse(text);
  return (alias) => {
    // matchExec: false — a `Match exec` line would run a shell command; a validator must not.
    const computed = config.compute(alias, { ignoreCase: true, matchExec: false });
    const value = computed.hostname;
    const hostName = Array.isArray(value) ? value[0] : value;
    return hostName ? expandTokens(hostName, alias) : undefined;
  };
}

/** An ssh config of thousands of hosts is a few hundred KiB; this bounds it with all it includes. */
export const MAX_SSH_CONFIG_BYTES = 4 * 1024 * 1024;

/** The files an Include names, from disk: regular files only, all of them together within the bound. */
function includeFiles(): IncludeFiles {
  let bytes = 0;
  return {
    read(path) {
      let text: string;
      try {
        text = readRegularFileSync(path, MAX_SSH_CONFIG_BYTES).toString('utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw new SshIncludeError(`Include ${err instanceof NotRegularFileError ? err.message : `${path}: ${errorMessage(err)}`}`);
      }
      bytes += text.length;
      if (bytes > MAX_SSH_CONFIG_BYTES) throw new SshIncludeError(`the files it includes pass ${MAX_SSH_CONFIG_BYTES / 1048576} MiB together (at ${path})`);
      return text;
    },
    list(dir) {
      try {
        return readdirSync(dir);
      } catch {
        return [];
      }
    },
  };
}

/**
 * Reads an ssh config file. A missing file is a problem only when the user named it
 * (`--ssh-config`); the default ~/.ssh/config may simply not exist.
 */
export async function readSshHostNames(path: string, named: boolean): Promise<{ hostNames?: SshHostNames; problem?: PlanProblem }> {
  let text: string;
  try {
    text = readRegularFileSync(path, MAX_SSH_CONFIG_BYTES).toString('utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (!named && code === 'ENOENT') return {};
    return {
      problem: {
        pointer: '',
        message: `cannot read the ssh config ${path}: ${code === 'ENOENT' ? 'no such file' : err instanceof NotRegularFileError ? err.problem : errorMessage(err)}`,
        hint: 'check --ssh-config, or give the hosts an "address"',
      },
    };
  }
  try {
    return { hostNames: sshHostNamesFromText(expandIncludes(text, { home: homedir(), files: includeFiles() })) };
  } catch (err) {
    return {
      problem: {
        pointer: '',
        message: `cannot parse the ssh config ${path}: ${err instanceof Error ? err.message : String(err)}`,
        hint: 'fix the file (ssh -G HOST shows how ssh reads it), or give the hosts an "address"',
      },
    };
  }
}
