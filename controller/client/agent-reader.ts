// The read-only side of an agent, for lvsctl health, status and connections:
// grpc-reader.ts implements it over mutual TLS, tests implement it in memory.
import type { AgentHealthReport } from '../../lvs/health/report';
import type { ConnectionEntry, ConnectionFilter } from '../../lvs/formats/ipvs-connections';
import type { DirectorStatus } from '../../lvs/wire/status-encode';

/** The agent answered and said no (a realserver asked for its IPVS table, an old agent): that host failed. */
export class AgentRefusedError extends Error {
  constructor(readonly host: string, message: string) {
    super(message);
  }
}

export interface HealthWatch {
  /** resolves when the stream ends; rejects with AgentUnreachableError or AgentRefusedError */
  done: Promise<void>;
  cancel(): void;
}

export interface AgentReader {
  health(): Promise<AgentHealthReport>;
  /** the first report, then one per change and heartbeats, until cancel() or the agent goes */
  watchHealth(onReport: (report: AgentHealthReport) => void): HealthWatch;
  status(): Promise<DirectorStatus>;
  /** filters are addresses; limit 0 = the agent's default (10,000) */
  connections(filter: Partial<ConnectionFilter>): Promise<ConnectionEntry[]>;
  close(): void;
}

export type AgentReaderConnector = (target: { host: string; address: string; port: number }) => AgentReader;
