// What --iptables can name: a backend, or "auto" for the one the host's rules are in.
export const IPTABLES_CHOICES = ['auto', 'legacy', 'nft'] as const;
export type IptablesChoiceOption = (typeof IPTABLES_CHOICES)[number];

// What --ipvs can name: how a director reaches IPVS, or "auto" (netlink, else ipvsadm).
export const IPVS_CHOICES = ['auto', 'netlink', 'ipvsadm'] as const;
export type IpvsBackendChoice = (typeof IPVS_CHOICES)[number];
