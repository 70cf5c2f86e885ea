// The three man pages, from the definitions --help prints (help-model.ts) and, for the plan
// format, from docs/plan-reference.md: lvsctl(1), lvsctl-agent(8), lvsctl-plan(5).
import type { CommandModel, OptionModel } from '../../controller/cli/help-model';
import { escape, inline, markdownToRoff, preformatted } from './roff';

export interface PageMeta {
  version: string;
  /** "2026-11-30": the build's date (SOURCE_DATE_EPOCH when set) */
  date: string;
}

function th(name: string, section: number, meta: PageMeta, manual: string): string[] {
  // .nh .ad l: no hyphenation, ragged right (option names and paths stay whole)
  return [`.TH ${name.toUpperCase()} ${section} "${meta.date}" "lvsctl ${meta.version}" "${manual}"`, '.nh', '.ad l'];
}

function optionItem(o: OptionModel): string[] {
  const extra = [o.defaultValue !== undefined ? `default: ${o.defaultValue}` : '', o.env ? `env: ${o.env}` : ''].filter((t) => t !== '');
  return ['.TP', `\\fB${escape(o.flags)}\\fR`, `${escape(o.description)}${extra.length > 0 ? ` (${escape(extra.join('; '))})` : ''}`];
}

function commandSection(c: CommandModel): string[] {
  const out = [`.SS ${escape(c.path.slice(1).join(' '))}`, `\\fB${escape(c.usage)}\\fR`, '.PP', escape(c.description)];
  if (c.arguments.length > 0) out.push(...c.arguments.flatMap((a) => ['.TP', `\\fI${escape(a.name)}\\fR`, escape(a.description)]));
  out.push(...c.options.filter((o) => o.long !== '--help').flatMap(optionItem));
  if (c.after) out.push(...preformatted(c.after));
  return out;
}

function leaves(c: CommandModel): CommandModel[] {
  return c.commands.length === 0 ? [c] : c.commands.flatMap(leaves);
}

export function lvsctlPage(root: CommandModel, meta: PageMeta): string {
  const commands = root.commands.flatMap(leaves);
  return [
    ...th('lvsctl', 1, meta, 'lvsctl manual'),
    '.SH NAME',
    `lvsctl \\- ${escape(root.description)}`,
    '.SH SYNOPSIS',
    ...commands.flatMap((c) => [`\\fB${escape(c.usage)}\\fR`, '.br']),
    '.SH DESCRIPTION',
    escape('lvsctl checks a plan.json (lvsctl-plan(5)) and rolls it out to the lvsctl-agent(8) of every director and realserver over mutual-TLS gRPC: realservers verified first, then the directors\' IPVS tables and mark rules applied. It reads the live state back (health, status, connections), makes the cluster\'s certificates, and installs the agents over ssh (bootstrap).'),
    '.SH COMMANDS',
    ...commands.flatMap(commandSection),
    '.SH OPTIONS',
    ...root.options.flatMap(optionItem),
    '.SH EXIT STATUS',
    '.TP', '0', 'success (with \\fB\\-\\-check\\fR: nothing failed)',
    '.TP', '1', 'the plan is invalid, a host does not resolve, or a usage error',
    '.TP', '2', 'at least one host failed (a failure beats an unreachable host)',
    '.TP', '3', 'at least one host unreachable (no answer, or none by \\fB\\-\\-deadline\\fR), none failed',
    '.PP', 'Each command\'s own meaning of them is in its section above.',
    '.SH ENVIRONMENT',
    '.TP', '\\fBLVSCTL_CA\\fR, \\fBLVSCTL_CERT\\fR, \\fBLVSCTL_KEY\\fR', escape('the controller\'s TLS files when --ca, --cert and --key are not given'),
    '.TP', '\\fBLVSCTL_CRL\\fR', escape('the CA\'s revocation list when --crl is not given (default: crl.pem beside --ca, when there is one)'),
    '.TP', '\\fBNO_COLOR\\fR', 'no colours in the output',
    '.SH FILES',
    '.TP', '\\fI~/.ssh/config\\fR', escape('resolves the plan\'s hosts that have no "address" (HostName), and is what ssh reads for bootstrap; --ssh-config names another'),
    '.SH SEE ALSO',
    '\\fBlvsctl\\-plan\\fR(5), \\fBlvsctl\\-agent\\fR(8), \\fBipvsadm\\fR(8), \\fBssh_config\\fR(5)',
    '',
  ].join('\n');
}

export function agentPage(agent: CommandModel, meta: PageMeta): string {
  return [
    ...th('lvsctl-agent', 8, meta, 'lvsctl manual'),
    '.SH NAME',
    `lvsctl\\-agent \\- ${escape(agent.description)}`,
    '.SH SYNOPSIS',
    `\\fB${escape(agent.usage)}\\fR`,
    '.SH DESCRIPTION',
    escape('The daemon on every director and realserver. On a director it applies the IPVS services, destinations and firewall-mark rules of the plan lvsctl(1) sends (one batch; on a failure it undoes what took effect, and reads the table back to say so), and watches the realservers\' health; on a realserver it verifies (and with prepare, sets) what the forwarding method needs. It logs one JSON object a line on stdout. Under systemd it runs as lvsctl-agent.service with its arguments in /etc/default/lvsctl-agent.'),
    '.SH OPTIONS',
    ...agent.options.flatMap(optionItem),
    ...(agent.after ? ['.SH NOTES', ...preformatted(agent.after)] : []),
    '.SH FILES',
    '.TP', '\\fI/etc/default/lvsctl\\-agent\\fR', escape('LVSCTL_AGENT_ARGS, the arguments the systemd unit starts the agent with'),
    '.TP', '\\fI/var/lib/lvsctl\\fR', escape('the state directory (--state-dir): what the agent applied and owns'),
    '.SH SEE ALSO',
    '\\fBlvsctl\\fR(1), \\fBlvsctl\\-plan\\fR(5), \\fBipvsadm\\fR(8), \\fBsystemd.service\\fR(5)',
    '',
  ].join('\n');
}

export function planPage(reference: string, meta: PageMeta): string {
  const title = /^# (.*)$/m.exec(reference)?.[1] ?? 'plan.json reference';
  const body = reference.replace(/^# .*\n/m, '');
  const intro = body.split(/\n## /)[0];
  const rest = body.slice(intro.length);
  return [
    ...th('lvsctl-plan', 5, meta, 'lvsctl manual'),
    '.SH NAME',
    `lvsctl\\-plan \\- ${inline(title.replace(/`/g, ''))}`,
    '.SH DESCRIPTION',
    ...markdownToRoff(intro).filter((l, i) => !(i === 0 && l === '.PP')),
    ...markdownToRoff(rest),
    '.SH SEE ALSO',
    '\\fBlvsctl\\fR(1), \\fBlvsctl\\-agent\\fR(8)',
    '',
  ].join('\n');
}
