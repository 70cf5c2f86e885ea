// The user's ssh config as an address book: `Host` alias (patterns included) → `HostName`,
// computed the way ssh computes it (first value wins, patterns and negations honoured,
// Include followed: ssh-config-include.ts).
import { errorMessage } from '../../lvs/errors';
import { SmallFileError, readSmallFileSync } from '../../lvs/small-file';
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

/**
 * The files an Include names, from disk, each read once: regular files only (one a wildcard
 * matched that is not, a directory say, is skipped as ssh skips it), the config and all it
 * includes within MAX_SSH_CONFIG_BYTES together.
 */
function includeFiles(alreadyRead: number): IncludeFiles {
  let bytes = alreadyRead;
  const read = new Map<string, string | undefined>();
  return {
    read(path, matched) {
      if (read.has(path)) return read.get(path);
      let content: Buffer;
      try {
        content = readSmallFileSync(path, MAX_SSH_CONFIG_BYTES);
      } catch (err) {
        const skipped = (err as NodeJS.ErrnoException).code === 'ENOENT' || (matched && err instanceof SmallFileError && err.kind !== 'size');
        if (skipped) {
          read.set(path, undefined);
          return undefined;
        }
        throw new SshIncludeError(`Include ${err instanceof SmallFileError ? err.message : `${path}: ${errorMessage(err)}`}`);
      }
      bytes += content.length;
      if (bytes > MAX_SSH_CONFIG_BYTES) throw new SshIncludeError(`with the files it includes it passes ${MAX_SSH_CONFIG_BYTES / 1048576} MiB (at ${path})`);
      const text = content.toString('utf8');
      read.set(path, text);
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

/** The config with its Includes followed; per host when an Include sits in a Host block. */
export function sshHostNamesFollowingIncludes(text: string, options: { home: string; files: IncludeFiles }): SshHostNames {
  // every file read and checked once, whatever host is looked up later
  const whole = expandIncludes(text, options);
  if (!whole.perHost) return sshHostNamesFromText(whole.text);
  // bootstrap and the address resolution ask for the same hosts: each alias is expanded once
  const found = new Map<string, string | undefined>();
  return (alias) => {
    if (!found.has(alias)) found.set(alias, sshHostNamesFromText(expandIncludes(text, { ...options, host: alias }).text)(alias));
    return found.get(alias);
  };
}

/**
 * Reads an ssh config file. A missing file is a problem only when the user named it
 * (`--ssh-config`); the default ~/.ssh/config may simply not exist.
 */
export async function readSshHostNames(path: string, named: boolean): Promise<{ hostNames?: SshHostNames; problem?: PlanProblem }> {
  let content: Buffer;
  try {
    content = readSmallFileSync(path, MAX_SSH_CONFIG_BYTES);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (!named && code === 'ENOENT') return {};
    return {
      problem: {
        pointer: '',
        message: `cannot read the ssh config ${path}: ${code === 'ENOENT' ? 'no such file' : err instanceof SmallFileError ? err.problem : errorMessage(err)}`,
        hint: 'check --ssh-config, or give the hosts an "address"',
      },
    };
  }
  try {
    return { hostNames: sshHostNamesFollowingIncludes(content.toString('utf8'), { home: homedir(), files: includeFiles(content.length) }) };
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
