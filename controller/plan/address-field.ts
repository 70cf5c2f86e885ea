// An IP address in a plan, as every field that holds one takes it: checked, then kept in the
// kernel's one spelling (lvs/address.ts), so the rules, compile and every agent compare it as
// text with what the kernel reports (a plan's 2001:DB8:0::100 is the kernel's 2001:db8::100: a
// director compared the two as text and added, at every rollout, a service it already held).
import { z } from 'zod';
import { canonicalAddress } from '../../lvs/address';

export function ipAddressField(examples = '"10.0.0.100" or "2001:db8::100"') {
  return z.union([z.ipv4(), z.ipv6()], { error: `must be an IPv4 or IPv6 address, e.g. ${examples}` }).overwrite(canonicalAddress);
}
