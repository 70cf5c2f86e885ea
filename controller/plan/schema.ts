// plan.json v1: the one source of truth for its shape. The TypeScript types below are
// inferred from it and `lvsctl schema` prints it as JSON Schema. Cross-field rules
// (docs/plan-reference.md) live in rules/, not here, so each gets its own message.
import { z } from 'zod';
import { ipAddressField } from './address-field';
import { FORWARDING_METHODS, PROTOCOLS, SCHEDULERS, SCHEDULER_FLAGS } from '../../lvs/model';
import { directorGroupSchema } from './director-group-schema';
import { API_VERSION, DEFAULT_AGENT_PORT, DURATION_PATTERN, MAX_MARK, MAX_PLAN_SERVICES, PORT_SPEC_PATTERN } from './constants';
import { healthCheckSchema } from './health-check-schema';
import { hostPath, wireText } from './wire-text';
import { agentOptionsSchema } from './agent-options-schema';
import { natGatewayField } from './nat-gateway-field';

export { API_VERSION, DEFAULT_AGENT_PORT, DURATION_PATTERN, MAX_MARK, PORT_SPEC_PATTERN };
export { healthCheckSchema };

const ipAddress = ipAddressField();
const tcpPort = z.number().int().min(1).max(65535);
const servicePort = z.number().int().min(0).max(65535);
const portSpec = z.string().regex(PORT_SPEC_PATTERN, { error: 'must be a port "N" or a range "N:M", e.g. "10000:12000"' });
const portRange = z.string().regex(/^\d{1,5}:\d{1,5}$/, { error: 'must be a range "N:M", e.g. "10000:12000"' });
const hostName = z.string().min(1).max(253).regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, {
  error: 'must be a host name of letters, digits, ".", "_" and "-", starting with a letter or a digit',
});

export const ftpServerSchema = z.strictObject({
  server: z.enum(['vsftpd', 'pure-ftpd']),
  config: hostPath('/etc/vsftpd.conf').describe('absolute path of the FTP server config file on that host'),
});

export const hostSchema = z.strictObject({
  role: z.enum(['director', 'realserver']),
  address: ipAddress.optional().describe("agent address and, for a realserver, its IPVS destination address; when absent, resolved through ~/.ssh/config then DNS"),
  agentPort: tcpPort.optional(),
  ftp: ftpServerSchema.optional(),
  prepare: z.boolean().optional().describe('realserver: set VIP/ARP itself instead of only verifying'),
  natGateway: natGatewayField,
  agentOptions: agentOptionsSchema.optional().describe("this host's agent options, over agent.director or agent.realserver key by key; lvsctl bootstrap writes them"),
});

export const markSchema = z.strictObject({
  mark: z.number().int().min(1).max(MAX_MARK),
  protocol: z.enum(PROTOCOLS),
  destination: ipAddress,
  ports: z.array(portSpec).min(1).max(15).describe('at most 15, as iptables multiport takes them'),
  inInterface: z.string().min(1).max(15).regex(/^[A-Za-z0-9._@-]+$/, { error: 'must be an interface name such as "eth0"' }).optional(),
});

export const persistenceSchema = z.strictObject({
  timeout: z.number().int().min(1).max(31 * 24 * 3600),
  netmask: z.string().max(39).optional(),
});

export const sorryServerSchema = z.strictObject({
  address: ipAddress,
  port: servicePort.optional(),
}).describe('takes new connections only while the health check finds every realserver down');

export const realserverRefSchema = z.strictObject({
  host: hostName,
  port: servicePort.optional(),
  weight: z.number().int().min(0).max(65535).default(1),
});

export const serviceSchema = z.strictObject({
  name: z.string().min(1).max(64).regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, { error: 'must be letters, digits, ".", "_" and "-", starting with a letter or a digit' }),
  protocol: z.enum(PROTOCOLS).optional(),
  vip: ipAddress.optional(),
  port: servicePort.optional(),
  fwmark: z.number().int().min(1).max(MAX_MARK).optional(),
  scheduler: z.enum(SCHEDULERS).default('wlc'),
  schedulerFlags: z.array(z.enum(SCHEDULER_FLAGS)).max(4).optional(),
  persistence: persistenceSchema.optional(),
  forwarding: z.enum(FORWARDING_METHODS).default('dr'),
  ftp: z.strictObject({ controlPort: tcpPort.default(21), passivePorts: portRange }).optional(),
  healthCheck: healthCheckSchema.optional(),
  sorryServer: sorryServerSchema.optional(),
  realservers: z.array(realserverRefSchema).max(1000),
});

export const agentSchema = z.strictObject({
  port: tcpPort.default(DEFAULT_AGENT_PORT),
  director: agentOptionsSchema.optional().describe("every director agent's options; lvsctl bootstrap writes them"),
  realserver: agentOptionsSchema.optional().describe("every realserver agent's options; lvsctl bootstrap writes them"),
}).default({ port: DEFAULT_AGENT_PORT });

export const planSchema = z.strictObject({
  apiVersion: z.literal(API_VERSION, { error: `must be "${API_VERSION}"` }),
  cluster: z.string().max(63).regex(/^[a-z0-9][a-z0-9-]*$/, { error: 'must match [a-z0-9][a-z0-9-]*, e.g. "shop"' }),
  agent: agentSchema,
  hosts: z.record(hostName, hostSchema),
  marks: z.array(markSchema).max(10000).default([]),
  services: z.array(serviceSchema).max(MAX_PLAN_SERVICES),
  directorGroups: z.array(directorGroupSchema).max(64).optional()
    .describe('director pairs: keepalived VRRP moves their addresses, the IPVS sync daemon their connections'),
});

/** A plan as written (defaults not yet filled in). */
export type PlanInput = z.input<typeof planSchema>;
/** A plan after parsing: defaults filled in. */
export type Plan = z.output<typeof planSchema>;
export type PlanHost = Plan['hosts'][string];
export type PlanService = Plan['services'][number];
export type PlanMark = Plan['marks'][number];
export type PlanHealthCheck = z.output<typeof healthCheckSchema>;
export type { PlanDirectorGroup } from './director-group-schema';
export type PlanSorryServer = z.output<typeof sorryServerSchema>;

/** The JSON Schema of plan.json, for editors. */
export function planJsonSchema(): unknown {
  return z.toJSONSchema(planSchema, { io: 'input', target: 'draft-2020-12' });
}
