// lvsctl import [--ipvsadm FILE] [--iptables FILE] [--cluster NAME]: the command's options
// and help. Its action loads run-import.ts (the parsers and the importer) only when it runs.
import type { Command } from 'commander';
import { DEFAULT_IMPORT_CLUSTER } from '../import/defaults';
import type { ImportCliOptions } from './run-import';

export function register(program: Command): void {
  program
    .command('import')
    .description('turn a director\'s ipvsadm -S -n and iptables-save -t mangle output, or its keepalived.conf or ldirectord.cf, into a plan.json to start from')
    .option('--ipvsadm <FILE>', 'output of `ipvsadm -S -n` ("-" for stdin)')
    .option('--iptables <FILE>', 'output of `iptables-save -t mangle` ("-" for stdin)')
    .option('--keepalived <FILE>', 'a keepalived.conf: its virtual_server blocks, checkers and sorry servers (includes followed)')
    .option('--ldirectord <FILE>', 'an ldirectord.cf: its virtual= services, checks and fallback servers ("-" for stdin)')
    .option('--cluster <NAME>', 'the plan\'s cluster name', DEFAULT_IMPORT_CLUSTER)
    .option('--ip6tables <FILE>', 'output of `ip6tables-save -t mangle`: the IPv6 mark rules')
    .option('--director-addresses <FILE>', 'output of `ip -j addr show` on the director: fills in its natGateway for LVS-NAT realservers')
    .addHelpText(
      'after',
      [
        '',
        'With none of --ipvsadm, --iptables, --ip6tables, --keepalived and --ldirectord, stdin is read:',
        'ipvsadm -S -n output, iptables-save -t mangle output, or both one after the other, told',
        'apart by their content ((ipvsadm -S -n; iptables-save -t mangle) | lvsctl import). With --iptables or',
        '--ip6tables alone no IPVS table is read: give --ipvsadm FILE (or -) for the services.',
        'The plan goes to stdout; notes on what to finish by hand (the director\'s address, FTP',
        'server configs) go to stderr. Realservers are named from their address (rs-10-0-0-11),',
        'services from their key (tcp-10-0-0-100-80, fwmark-1).',
        '',
        'Example:  ssh lvs1 ipvsadm -S -n > ipvs.txt; ssh lvs1 iptables-save -t mangle > mangle.txt',
        '          lvsctl import --ipvsadm ipvs.txt --iptables mangle.txt --cluster shop > plan.json',
        '          lvsctl import --keepalived /etc/keepalived/keepalived.conf --cluster shop > plan.json',
        '',
        'With --keepalived or --ldirectord, every setting that has no lvsctl counterpart is',
        'listed on stderr as "lvsctl import: note: FILE:LINE: not carried over: WHAT: WHY".',
        '',
        'Exit codes:',
        '  0  a plan was printed',
        '  1  a line could not be read (FILE:LINE: reason: "line"), or a usage error',
      ].join('\n'),
    )
    .action(async (options: ImportCliOptions) => {
      const { processImportIo, runImport } = await import('./run-import');
      process.exitCode = await runImport(options, processImportIo());
    });
}
