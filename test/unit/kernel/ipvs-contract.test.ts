// The shared Ipvs contract on the host: the in-memory fake, and the netlink backend talking
// to a fake kernel at the byte level. The lab runs the same suite on the real kernel.
import { FakeIpvs } from '../../../agent/kernel/fake/ipvs';
import { NetlinkIpvs } from '../../../agent/kernel/linux/netlink-ipvs';
import { FakeGenlKernel } from './fake-genl-kernel';
import { describeIpvsContract } from './ipvs-contract';

describeIpvsContract('FakeIpvs', async () => ({ ipvs: new FakeIpvs(), namesRefusals: true }));

describeIpvsContract('NetlinkIpvs over a fake netlink kernel', async () => {
  const kernel = new FakeGenlKernel();
  return { ipvs: new NetlinkIpvs({ openSocket: kernel.sockets(), readConnections: async () => [] }), namesRefusals: true };
});
