// The agents' own options in a plan (lvsctl bootstrap writes them into each host's
// /etc/default/lvsctl-agent): per role under `agent.director` and `agent.realserver`, per
// host under `hosts.NAME.agentOptions`, a host's own taking precedence key by key. Made from
// lvs/agent-options.ts, the choices and bounds the agent checks its command line against, so a
// value the plan accepts is one the agent starts with.
import { z } from 'zod';
import {
  DRAIN_TIMEOUT_BOUNDS_MS, IPTABLES_CHOICES, IPVS_CHOICES, LISTEN_ON_CHOICES, LOG_LEVELS, OPTIMIZING_COMPILER_CHOICES,
  SELF_CHECK_INTERVAL_BOUNDS_MS, isNumericListenAddress,
} from '../../lvs/agent-options';
import { durationBoundsText, durationWithin, type DurationBounds } from '../../lvs/duration';
import { tooBroadForChecks, tooBroadReason } from '../../lvs/exec-check-directory';

function boundedDuration(bounds: DurationBounds, example: string): z.ZodString {
  return z.string().refine((text) => durationWithin(text, bounds) !== undefined, { error: `must be ${durationBoundsText(bounds)}, e.g. "${example}"` });
}

/** An absolute path that goes into /etc/default/lvsctl-agent as one word (systemd splits it at spaces, with no quoting). */
const absolutePath = z.string().max(4096).regex(/^\/[A-Za-z0-9._/@:-]*$/, {
  error: 'must be an absolute path of letters, digits and . _ - / @ : (it is written as one word of /etc/default/lvsctl-agent)',
});

const fields = {
  ipvs: z.enum(IPVS_CHOICES).optional().describe('director: how the agent reaches IPVS (--ipvs)'),
  iptables: z.enum(IPTABLES_CHOICES).optional().describe('director: the iptables backend for mark rules (--iptables)'),
  drainTimeout: boundedDuration(DRAIN_TIMEOUT_BOUNDS_MS, '300s').optional().describe('director: how long a dropped realserver drains before it is deleted anyway (--drain-timeout)'),
  execChecks: absolutePath.refine((path) => !tooBroadForChecks(path), { error: (issue) => `must be a directory of check scripts only: ${tooBroadReason(String(issue.input))}` }).optional()
    .describe('director: exec health checks may run only commands inside this directory (--exec-checks)'),
  keepalivedConfig: absolutePath.optional().describe('director in a group: where the agent writes keepalived.conf (--keepalived-config)'),
  keepalivedPidfile: absolutePath.optional().describe('director in a group: the pid file of the running keepalived (--keepalived-pidfile)'),
  selfCheckInterval: boundedDuration(SELF_CHECK_INTERVAL_BOUNDS_MS, '10s').optional().describe('realserver: how often it re-runs its own checks (--self-check-interval)'),
  metrics: z.string().refine(isNumericListenAddress, { error: 'must be ADDRESS:PORT with a numeric address, e.g. "127.0.0.1:9400" or "[::1]:9400"' }).optional()
    .describe('serve Prometheus metrics on http://ADDRESS:PORT/metrics (--metrics)'),
  optimizingCompiler: z.enum(OPTIMIZING_COMPILER_CHOICES).optional().describe("V8's optimizing compiler (--optimizing-compiler)"),
  logLevel: z.enum(LOG_LEVELS).optional().describe('the agent\'s log level (--log-level)'),
  listenOn: z.enum(LISTEN_ON_CHOICES).optional()
    .describe('where lvsctl bootstrap makes the agent listen: "any" address of the host (the default), or only the host\'s plan address, the one the controller dials (--listen ADDRESS:PORT)'),
};

/**
 * `agent.director`, `agent.realserver` and `hosts.NAME.agentOptions`: any option here, so that
 * rules/agent-options.ts can refuse one its place's role does not take with the fix (where it
 * belongs), not as an unknown key.
 */
export const agentOptionsSchema = z.strictObject(fields);
