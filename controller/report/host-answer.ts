// One host's answer to a fleet command (health, status, connections), or why there is none:
// what the fleet commands gather and the report tables render.
import type { AgentRole } from '../../lvs/wire/enum-names';

export type HostAnswer<T> =
  | { host: string; role: AgentRole; ok: true; value: T }
  | { host: string; role: AgentRole; ok: false; kind: 'unreachable' | 'failed'; reason: string };
