// What --iptables and --ipvs can name (lvs/agent-options.ts holds the lists, which the plan's
// agent options are checked against too).
import { IPTABLES_CHOICES, IPVS_CHOICES } from '../../lvs/agent-options';

export { IPTABLES_CHOICES, IPVS_CHOICES };
/** a backend, or "auto" for the one the host's rules are in */
export type IptablesChoiceOption = (typeof IPTABLES_CHOICES)[number];
/** how a director reaches IPVS, or "auto" (netlink, else ipvsadm) */
export type IpvsBackendChoice = (typeof IPVS_CHOICES)[number];
