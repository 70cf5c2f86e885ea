// Addresses through iproute2: read with `ip -j -d addr show` (JSON), change with one
// `ip -batch -` whose lines come from validated plan values only.
import { errorMessage } from '../../../lvs/errors';
import { isIP } from 'node:net';
import type { Exec } from '../exec';
import { addressChangeCommand, type AddressChange, type Addresses, type NetworkInterface } from '../addresses';
import { isInterfaceName } from '../sysctl';
import { lazySchemas } from '../../lazy-schema';

const ipAddrJson = lazySchemas((z) => z.array(
  z.object({
    ifname: z.string(),
    flags: z.array(z.string()).default([]),
    link_type: z.string().default('none'),
    linkinfo: z.object({ info_kind: z.string().optional() }).optional(),
    addr_info: z
      .array(z.object({ family: z.string(), local: z.string().optional(), prefixlen: z.number().int().optional() }))
      .default([]),
  }),
));

/** Parses `ip -j [-d] addr show` output; throws saying what is malformed. */
export function parseIpAddrJson(stdout: string): NetworkInterface[] {
  let raw: unknown;
  try {
    raw = JSON.parse(stdout);
  } catch (e) {
    throw new Error(`ip -j addr show printed something that is not JSON: ${errorMessage(e)}`);
  }
  const parsed = ipAddrJson().safeParse(raw);
  if (!parsed.success) throw new Error(`ip -j addr show printed an unexpected shape: ${parsed.error.message}`);
  return parsed.data.map((dev) => ({
    name: dev.ifname,
    linkType: dev.link_type,
    ...(dev.linkinfo?.info_kind ? { kind: dev.linkinfo.info_kind } : {}),
    up: dev.flags.includes('UP'),
    addresses: dev.addr_info.flatMap((a) =>
      (a.family === 'inet' || a.family === 'inet6') && a.local !== undefined && a.prefixlen !== undefined
        ? [{ family: a.family, local: a.local, prefixlen: a.prefixlen } as const]
        : [],
    ),
  }));
}

/** The `ip -batch` line of a change; refuses anything that could smuggle a second command. */
export function batchLine(change: AddressChange): string {
  if (!isInterfaceName(change.device)) throw new Error(`refusing a change on a bad device name ${JSON.stringify(change.device)}`);
  if (change.op === 'add-address' || change.op === 'delete-address') {
    const family = isIP(change.address);
    const max = family === 6 ? 128 : 32;
    if (family === 0 || !Number.isInteger(change.prefixlen) || change.prefixlen < 0 || change.prefixlen > max) {
      throw new Error(`refusing a change with a bad address ${JSON.stringify(`${change.address}/${change.prefixlen}`)}`);
    }
  }
  return addressChangeCommand(change).replace(/^ip /, '');
}

export class LinuxAddresses implements Addresses {
  constructor(private readonly exec: Exec) {}

  async list(): Promise<NetworkInterface[]> {
    const { stdout } = await this.exec('ip', ['-j', '-d', 'addr', 'show']);
    return parseIpAddrJson(stdout);
  }

  async apply(changes: readonly AddressChange[]): Promise<void> {
    if (changes.length === 0) return;
    const input = changes.map(batchLine).join('\n') + '\n';
    await this.exec('ip', ['-batch', '-'], { input });
  }

  async loadIpipModule(): Promise<void> {
    await this.exec('modprobe', ['ipip']);
  }
}
