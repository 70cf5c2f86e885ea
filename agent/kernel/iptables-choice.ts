// What --iptables can name: a backend, or "auto" for the one the host's rules are in.
export const IPTABLES_CHOICES = ['auto', 'legacy', 'nft'] as const;
export type IptablesChoiceOption = (typeof IPTABLES_CHOICES)[number];
