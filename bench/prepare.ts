// Host side, before the boot: writes the benchmark's inputs under .lab/bench/ (the plans,
// the ipvsadm batch, the keepalived configurations, the guest's configuration) and issues
// the certificates with the real `lvsctl certs` (in this process; kept in .lab/bench/pki
// and reused by later runs).
//   node dist/bench/prepare.js --dir DIR --services 2000 --destinations 10 --big 20000
//        --fanout-max 100 [--ipvs detect|netlink|default] [--no-profile] [--skip-baselines] [--rest-before-load-s 150] --guest-budget-s 900 --load-budget-s 240
//        [--profile-services N]
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { issueLabCertificates } from '../test/lab/support/agents';
import type { GuestConfig } from './config';
import { fanoutHosts } from './fanout-plan';
import { AGENT_MAIN, agentTakesIpvsNetlink } from './proc';
import { benchTable, DIRECTOR, ipvsadmRestore, keepalivedConf, planJson, realserverHosts, withOneWeightChanged } from './table';

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? (process.argv[at + 1] ?? fallback) : fallback;
}

const MAX_PLAN_BYTES = 10 * 1024 * 1024;

/**
 * The director's IPVS arguments: `--ipvs netlink` once the agent takes it (its --help names
 * the option with a netlink choice), else none (the agent's ipvsadm backend). "default"
 * never passes it; "netlink" always does.
 */
function ipvsArgs(choice: string): string[] {
  if (choice === 'default') return [];
  if (choice === 'netlink') return ['--ipvs', 'netlink'];
  const help = spawnSync(process.execPath, [AGENT_MAIN, '--help'], { encoding: 'utf8', timeout: 60_000 });
  return agentTakesIpvsNetlink(`${help.stdout}${help.stderr}`) ? ['--ipvs', 'netlink'] : [];
}

async function main(): Promise<void> {
  const dir = resolve(option('dir', '.lab/bench'));
  const services = Number(option('services', '2000'));
  const destinations = Number(option('destinations', '10'));
  const big = Number(option('big', '20000'));
  const fanoutMax = Number(option('fanout-max', '100'));
  mkdirSync(dir, { recursive: true });
  const certDir = join(dir, 'pki');
  const small = benchTable({ services, destinations });
  const changed = withOneWeightChanged(small);
  const files: GuestConfig['files'] = {
    planSmall: join(dir, 'plan-small.json'),
    planSmallChanged: join(dir, 'plan-small-weight.json'),
    planBig: join(dir, 'plan-big.json'),
    planProfile: join(dir, 'plan-profile.json'),
    ipvsadmSmall: join(dir, 'ipvsadm-small.txt'),
    keepalivedSmall: join(dir, 'keepalived-small.conf'),
    keepalivedSmallChanged: join(dir, 'keepalived-small-weight.conf'),
  };
  writeFileSync(files.planSmall, planJson(small));
  writeFileSync(files.planSmallChanged, planJson(changed));
  const bigPlan = big > 0 ? planJson(benchTable({ services: big, destinations })) : planJson(small);
  if (bigPlan.length > MAX_PLAN_BYTES) throw new Error(`the ${big}-service plan is ${bigPlan.length} bytes, over the 10 MiB a plan may be`);
  writeFileSync(files.planBig, bigPlan);
  const profileServices = Math.max(1, Math.min(services, Number(option('profile-services', String(Math.ceil(services / 10))))));
  writeFileSync(files.planProfile, planJson(benchTable({ services: profileServices, destinations })));
  writeFileSync(files.ipvsadmSmall, ipvsadmRestore(small));
  writeFileSync(files.keepalivedSmall, keepalivedConf(small));
  writeFileSync(files.keepalivedSmallChanged, keepalivedConf(changed));
  const hosts = [
    { name: DIRECTOR.name, address: DIRECTOR.address },
    ...realserverHosts(Math.max(services, big)),
    ...fanoutHosts(fanoutMax),
  ];
  await issueLabCertificates(hosts, certDir);
  const restBeforeLoadS = Number(option('rest-before-load-s', '0'));
  if (!Number.isFinite(restBeforeLoadS) || restBeforeLoadS < 0) throw new Error(`--rest-before-load-s (BENCH_REST_S) takes seconds, 0 or more, not ${option('rest-before-load-s', '')}`);
  const config: GuestConfig = {
    services,
    destinations,
    bigServices: big,
    realservers: realserverHosts(Math.max(services, big)),
    ipvsArgs: ipvsArgs(option('ipvs', 'detect')),
    profile: !process.argv.includes('--no-profile'),
    agentNodeOptions: option('agent-node-options', '').trim(),
    skipBaselines: process.argv.includes('--skip-baselines'),
    loadBudgetS: Number(option('load-budget-s', '240')),
    restBeforeLoadS,
    profileServices,
    dir,
    certDir,
    guestBudgetS: Number(option('guest-budget-s', '900')),
    files,
  };
  writeFileSync(join(dir, 'guest-config.json'), `${JSON.stringify(config, null, 2)}\n`);
  process.stdout.write(`bench: inputs in ${dir} (${services} × ${destinations}, big ${big}: plan ${(bigPlan.length / 1048576).toFixed(1)} MiB; ${hosts.length} certificates; director agent ${config.ipvsArgs.join(' ') || 'with its default IPVS backend'})\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench prepare: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
