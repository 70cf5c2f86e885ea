// plan.json's "directorGroups": directors that share VIPs through keepalived's VRRP and
// connections through the kernel's IPVS sync daemon. Its own file so the shape of a group
// lives in one place; the cross-field rules are in rules/director-groups.ts.
import { z } from 'zod';
import { VRRP_PASSWORD } from '../../lvs/vrrp';
import { ipAddressField } from './address-field';

const hostName = z.string().min(1).max(253).regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, {
  error: 'must be a host name of letters, digits, ".", "_" and "-"',
});
const ipAddress = ipAddressField();
const interfaceName = z.string().min(1).max(15).regex(/^[A-Za-z0-9._@-]+$/, { error: 'must be an interface name such as "eth0"' });

export const directorGroupSchema = z.strictObject({
  name: z.string().min(1).max(24).regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, { error: 'must be letters, digits, "_" and "-", starting with a letter or a digit (it names the keepalived vrrp_instance)' }),
  directors: z.array(hostName).min(2).max(16)
    .describe('the directors of the pair (or more), in order of preference: the first is the master while it lives'),
  virtualRouterId: z.number().int().min(1).max(255).describe('VRRP virtual_router_id: unique on the segment'),
  interface: interfaceName.describe('where VRRP advertises and the addresses are put'),
  priorities: z.record(hostName, z.number().int().min(1).max(254)).optional()
    .describe('per director; default by order: 100 + 10 for each director after it'),
  advertInterval: z.number().int().min(1).max(255).default(1).describe('VRRP advert_int, seconds'),
  authentication: z.strictObject({ password: z.string().min(1).max(VRRP_PASSWORD.max).regex(VRRP_PASSWORD.pattern, { error: `must be ${VRRP_PASSWORD.shape}` }) }).optional()
    .describe('VRRP PASS authentication (at most 8 characters, as VRRPv2 carries them)'),
  services: z.array(z.string().min(1).max(64)).max(20000).optional()
    .describe('the services this group serves; default: every service no other group names'),
  addresses: z.array(ipAddress).max(1000).optional()
    .describe("the addresses that move with the master; default: every VIP and mark destination of the group's services"),
  natGateway: ipAddress.optional()
    .describe("the group's floating inside address that NAT realservers route through; it moves with the master"),
  natGatewayInterface: interfaceName.optional()
    .describe('where natGateway goes: a two-armed director\'s inside interface (keepalived announces it there on a failover); default: interface'),
  failback: z.boolean().default(true)
    .describe('true: the preferred director takes the addresses back when it returns (preempt); false: the live master keeps them (nopreempt)'),
  sync: z.strictObject({
    interface: interfaceName.optional().describe('default: the group interface'),
    syncId: z.number().int().min(0).max(255).optional().describe('default: virtualRouterId'),
  }).default({}).describe('the IPVS connection sync daemon (lvs_sync_daemon)'),
  takeOverKeepalivedConfig: z.boolean().default(false)
    .describe('replace a keepalived.conf lvsctl did not write (otherwise it is reported and left alone)'),
});

export type PlanDirectorGroup = z.output<typeof directorGroupSchema>;
