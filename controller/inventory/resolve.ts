// Where each host's agent is (and, for a realserver, its IPVS destination address):
// its "address" in the plan, else its ssh config HostName, else its name in DNS.
// DNS and the ssh config file are injected, so this is testable without either.
import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';
import { canonicalAddress } from '../../lvs/address';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { toPointer, type PlanProblem } from '../plan/errors';
import type { Plan } from '../plan/schema';
import { canonicalAddresses, repeatedDestinations } from '../plan/repeated-destinations';
import { formatAddressPort } from '../../lvs/model';
import type { SshHostNames } from './ssh-config';
import { appendAll } from '../../lvs/append';
import { mapBounded } from '../../lvs/map-bounded';
import { addressFamilyProblems } from '../plan/rules/address-family';
import { sorryServerAddressProblems } from '../plan/rules/sorry-server';
import { viewOfPlan } from '../plan/rules/view';

/** name → its addresses, first preferred; rejects (or returns []) when the name does not resolve */
export type HostLookup = (name: string) => Promise<string[]>;

export type AddressSource = 'plan' | 'ssh-config' | 'dns';

export interface ResolveOptions {
  /** an ssh config to read instead of ~/.ssh/config (then a missing file is a problem) */
  sshConfigPath?: string;
  lookup?: HostLookup;
  /** where ~/.ssh/config is looked for; the user's home by default */
  homeDir?: string;
  /** milliseconds, for the lookups' budget; Date.now by default (tests pass their own) */
  clock?: () => number;
}

export interface Resolution {
  /** host name → address, for every host that resolved */
  addresses: Map<string, string>;
  /** how each resolved host got its address */
  sources: Map<string, AddressSource>;
  problems: PlanProblem[];
}

const DNS_TIMEOUT_MS = 5000;

/**
 * dns.lookup runs getaddrinfo on libuv's thread pool, which runs at most 2 lookups at once
 * (half its 4 threads, the rest kept for files): more would only wait there, with their 5 s
 * running out before they had started.
 */
const LOOKUPS_AT_ONCE = 2;

/**
 * All the lookups of one command together: past this, the names not yet asked are not asked
 * (a resolver that answers, but slowly, would otherwise hold the command for as long as
 * that takes per pair of hosts).
 */
const RESOLUTION_BUDGET_MS = 30_000;

/** a lookup given up on: no answer within DNS_TIMEOUT_MS */
const NO_ANSWER = 'ETIMEOUT';
/** getaddrinfo's own "temporary failure": the resolver gave up first (its timeout under 5 s), or none is reachable */
const RESOLVER_GAVE_UP = 'EAI_AGAIN';
/** a lookup not started: an earlier one had no answer, or the budget was spent */
const NOT_ASKED = 'ENOTASKED';

/** dns.lookup (what ssh and most tools use: /etc/hosts, then DNS), bounded in time. */
export const systemLookup: HostLookup = async (name) => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error('lookup timed out'), { code: NO_ANSWER })), DNS_TIMEOUT_MS);
  });
  try {
    const found = await Promise.race([dns.lookup(name, { all: true }), timeout]);
    return found.map((a) => a.address);
  } finally {
    clearTimeout(timer);
  }
};

/**
 * Once one lookup has had no answer (ours after 5 s, or the resolver's own), or once the
 * lookups have taken RESOLUTION_BUDGET_MS in all, the ones not yet started are not started:
 * a resolver that swallows queries would take 5 s for every 2 hosts, and getaddrinfo cannot
 * be cancelled, so each abandoned lookup still holds a thread for the resolver's own timeouts.
 */
function boundedLookups(lookup: HostLookup, clock: () => number): HostLookup {
  let stopped: string | undefined;
  let startedAt: number | undefined;
  return async (name) => {
    startedAt ??= clock();
    if (stopped === undefined && clock() - startedAt > RESOLUTION_BUDGET_MS) {
      stopped = `the plan's name lookups took over ${RESOLUTION_BUDGET_MS / 1000} s in all`;
    }
    if (stopped !== undefined) throw Object.assign(new Error(`not looked up: ${stopped}`), { code: NOT_ASKED });
    try {
      return await lookup(name);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException | undefined)?.code;
      if (code === NO_ANSWER) stopped ??= `the lookup of "${name}" had no answer within ${DNS_TIMEOUT_MS / 1000} s`;
      if (code === RESOLVER_GAVE_UP) stopped ??= `the resolver gave up on "${name}" (${RESOLVER_GAVE_UP})`;
      throw err;
    }
  };
}

function reason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOTFOUND') return 'no such name';
  if (code === NO_ANSWER) return `no answer within ${DNS_TIMEOUT_MS / 1000} s: check the resolvers in /etc/resolv.conf`;
  if (code === RESOLVER_GAVE_UP) return `the resolver gave up (${RESOLVER_GAVE_UP}): check the resolvers in /etc/resolv.conf`;
  if (code === NOT_ASKED && err instanceof Error) return err.message;
  if (code) return code;
  return err instanceof Error ? err.message : String(err);
}

async function lookupFirst(lookup: HostLookup, name: string): Promise<{ address?: string; why: string }> {
  try {
    const found = (await lookup(name)).filter((a) => isIP(a) !== 0);
    return found.length > 0 ? { address: canonicalAddress(found[0]), why: '' } : { why: 'no address' };
  } catch (err) {
    return { why: reason(err) };
  }
}

async function resolveOne(
  name: string,
  hostNames: SshHostNames | undefined,
  sshConfigShown: string,
  lookup: HostLookup,
): Promise<{ address: string; source: AddressSource } | { problem: PlanProblem }> {
  const pointer = toPointer(['hosts', name]);
  const fix = `add "address" to ${pointer}, or a "Host ${name}" entry with a HostName to ${sshConfigShown}`;
  const sshName = hostNames?.(name);
  if (sshName !== undefined && sshName !== name) {
    // in the kernel's spelling, as the plan's own addresses are read (controller/plan/address-field.ts)
    if (isIP(sshName)) return { address: canonicalAddress(sshName), source: 'ssh-config' };
    const found = await lookupFirst(lookup, sshName);
    if (found.address) return { address: found.address, source: 'ssh-config' };
    return { problem: { pointer, message: `cannot resolve host "${name}": ${sshConfigShown} gives HostName ${sshName}, which does not resolve (${found.why})`, hint: fix } };
  }
  const found = await lookupFirst(lookup, name);
  if (found.address) return { address: found.address, source: 'dns' };
  return {
    problem: {
      pointer,
      message: `cannot resolve host "${name}": no "address" in the plan, no HostName for it in ${sshConfigShown}, and DNS has no address for it (${found.why})`,
      hint: fix,
    },
  };
}

export async function resolveAddresses(plan: Plan, opts: ResolveOptions = {}): Promise<Resolution> {
  const addresses = new Map<string, string>();
  const sources = new Map<string, AddressSource>();
  const problems: PlanProblem[] = [];
  const unresolved = Object.keys(plan.hosts).filter((name) => {
    const address = plan.hosts[name].address;
    if (address === undefined) return true;
    addresses.set(name, address);
    sources.set(name, 'plan');
    return false;
  });
  if (unresolved.length === 0) return { addresses, sources, problems };

  const sshConfigPath = opts.sshConfigPath ?? join(opts.homeDir ?? homedir(), '.ssh', 'config');
  const sshConfigShown = opts.sshConfigPath ?? '~/.ssh/config';
  // the ssh-config parser is loaded only when some host has no address in the plan
  const { readSshHostNames } = await import('./ssh-config');
  const ssh = await readSshHostNames(sshConfigPath, opts.sshConfigPath !== undefined);
  if (ssh.problem) problems.push(ssh.problem);
  const lookup = boundedLookups(opts.lookup ?? systemLookup, opts.clock ?? Date.now);
  const results = await mapBounded(unresolved, LOOKUPS_AT_ONCE, (name) => resolveOne(name, ssh.hostNames, sshConfigShown, lookup));
  unresolved.forEach((name, i) => {
    const result = results[i];
    if ('problem' in result) problems.push(result.problem);
    else {
      addresses.set(name, result.address);
      sources.set(name, result.source);
    }
  });
  appendAll(problems, resolvedRepeats(plan, addresses, sources, sshConfigShown));
  // Addresses written in the plan were checked by validatePlan; the found ones are checked here,
  // for every command that resolves (validate, render, rollout, the fleet commands) alike.
  const found = new Map([...addresses].filter(([name]) => sources.get(name) !== 'plan'));
  if (found.size > 0) {
    const view = viewOfPlan(plan);
    appendAll(problems, addressFamilyProblems(view, found));
    appendAll(problems, sorryServerAddressProblems(view, found));
  }
  return { addresses, sources, problems };
}

/**
 * Two realserver hosts of one service that resolved to one address: one IPVS destination twice,
 * which the plan's own rule could not see while an address was not in the plan.
 */
function resolvedRepeats(plan: Plan, addresses: ReadonlyMap<string, string>, sources: ReadonlyMap<string, AddressSource>, sshConfigShown: string): PlanProblem[] {
  const problems: PlanProblem[] = [];
  const addressOf = canonicalAddresses((host) => addresses.get(host));
  const how = (host: string): string => {
    const source = sources.get(host);
    return source === 'dns' ? 'through DNS' : source === 'ssh-config' ? `through ${sshConfigShown}` : 'in the plan';
  };
  plan.services.forEach((service, i) => {
    for (const r of repeatedDestinations(service, addressOf)) {
      // the plan's rule 8 names those: one host twice, or two addresses both in the plan
      if (r.host === r.firstHost || (sources.get(r.host) === 'plan' && sources.get(r.firstHost) === 'plan')) continue;
      const address = r.address ?? '?';
      problems.push({
        pointer: toPointer(['services', i, 'realservers', r.index, 'host']),
        message: `realserver "${r.host}" has the address ${address} (${how(r.host)}), as "${r.firstHost}" at /services/${i}/realservers/${r.firstIndex} has (${how(r.firstHost)}): the one destination ${formatAddressPort(address, r.port)} twice`,
        hint: `list that host once in this service, or give "${r.host}" its own "address" in the plan`,
      });
    }
  });
  return problems;
}
