// The directory a director agent runs exec health checks from (--exec-checks): a plan, that is
// any controller certificate the agent serves, may name any program in it, and the check runs
// as its uid, root by default. So it must hold check scripts only: a directory of the system's
// own programs (/usr/bin holds bash) would let a stolen controller key run anything as root.
// Shared by the plan's rules and the agent's command line, so both refuse the same paths.
import { posix } from 'node:path';

/** Where the docs and the fixes put check scripts. */
export const CHECKS_DIRECTORY_EXAMPLE = '/etc/lvsctl-checks';

/** Directories that hold the system's programs, libraries, configuration or anyone's files. */
const TOO_BROAD = new Set([
  '/', '/usr', '/usr/lib', '/usr/lib32', '/usr/lib64', '/usr/libexec', '/usr/local', '/usr/local/bin', '/usr/local/sbin',
  '/usr/local/lib', '/usr/share', '/usr/games', '/usr/local/games', '/etc', '/etc/init.d', '/opt', '/home', '/root', '/var',
  '/var/lib', '/snap/bin', '/usr/lib/nagios/plugins', '/usr/lib/monitoring-plugins',
]);

/**
 * Directories refused with everything under them: the system's flat program and library
 * directories (the dynamic loader in /usr/lib/x86_64-linux-gnu runs any program it is given),
 * world-writable ones, and the kernel's and the boot's.
 */
const TOO_BROAD_TREES = [
  '/bin', '/sbin', '/usr/bin', '/usr/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu',
  '/usr/lib/i386-linux-gnu', '/lib/x86_64-linux-gnu', '/lib/aarch64-linux-gnu', '/tmp', '/var/tmp', '/dev', '/proc', '/sys', '/run', '/var/run', '/boot',
];

/** The directory as compared: normalized, without a trailing slash. */
function plain(dir: string): string {
  const normalized = posix.normalize(dir);
  return normalized.length > 1 ? normalized.replace(/\/+$/, '') : normalized;
}

/** Whether dir is one of the system's own directories, too broad to run checks from. */
export function tooBroadForChecks(dir: string): boolean {
  const path = plain(dir);
  return TOO_BROAD.has(path) || TOO_BROAD_TREES.some((tree) => path === tree || path.startsWith(`${tree}/`));
}

/** Why such a directory is refused, for a message that names it. */
export function tooBroadReason(dir: string): string {
  return `${plain(dir)} holds programs that are not check scripts (a plan, that is any controller certificate the agent serves, could run any of them, as root by default): use a directory of check scripts only, e.g. ${CHECKS_DIRECTORY_EXAMPLE}`;
}
