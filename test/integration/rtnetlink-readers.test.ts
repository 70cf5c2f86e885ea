// The route netlink comparison (support/rtnetlink-comparison.ts) on this machine's kernel.
// Without unshare the suite says so loudly and skips; in CI (CI=true) that is a failure. Device
// kinds this kernel cannot make (dummy, tunl0, ip6tnl on some hosts) are named in the output
// as not covered here; the lab runs the same comparison on its kernel, which has them all.
import { describeRouteNetlinkComparison } from './support/rtnetlink-comparison';

describeRouteNetlinkComparison({
  title: 'route netlink readers on a real kernel in a throwaway network namespace',
  everyKind: false,
  namespaceRequired: process.env.CI === 'true',
});
