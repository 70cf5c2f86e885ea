// A gRPC server that speaks the agent's protocol badly on purpose, on 127.0.0.1:0: it
// answers Hello late, or accepts an Apply, sends a few events and goes silent, or sends
// one health report and then nothing, or floods Health or Connections. Its Apply sends one message per event, as an agent
// from before step batches did, or the raw messages it is given. Every call it holds ends at stop().
import { Metadata, Server, ServerCredentials, type ServerUnaryCall, type ServerWritableStream } from '@grpc/grpc-js';
import type { ApplyEvent } from '../../../lvs/apply-events';
import type { AgentHealthReport } from '../../../lvs/health/report';
import { applyEventToWire } from '../../../lvs/wire/apply-event-codec';
import type { ApplyEvent as WireApplyEvent } from '../../../proto/generated/lvsctl/v1/ApplyEvent';
import { healthReportToWire } from '../../../lvs/wire/health-codec';
import { connectionToWire } from '../../../lvs/wire/connections-codec';
import type { ConnectionEntry } from '../../../lvs/formats/ipvs-connections';
import { ROLE, wireName, type AgentRole } from '../../../lvs/wire/enum-names';
import { loadAgentProto } from '../../../lvs/wire/proto-loader';
import { readTlsFiles, type TlsFiles } from '../../../lvs/wire/tls-files';

export interface FakeAgentBehaviour {
  role: AgentRole;
  tls?: TlsFiles;
  /** Hello answers after this long (default at once) */
  helloDelayMs?: number;
  /** Apply: headers, these events, then silence (or the end, when the last is the result) */
  applyEvents?: ApplyEvent[];
  /** Apply: these messages as they are, instead of applyEvents (then silence) */
  applyWire?: WireApplyEvent[];
  /** Hello's answer, when not host "fake", version 9.9.9, no capabilities */
  identity?: { host: string; version: string; capabilities: string[] };
  /** Health: this one report (watch or not), then silence */
  healthReport?: AgentHealthReport;
  /** Health (this report), Connections (one entry) or Apply (one event): sent again and again until the caller goes */
  flood?: { health?: AgentHealthReport; connection?: ConnectionEntry; apply?: ApplyEvent };
}

export interface FakeAgent {
  port: number;
  /** Apply calls received */
  applies(): number;
  /** messages the floods wrote, and whether a caller cancelled one */
  flooded(): { written: number; cancelled: boolean };
  stop(): Promise<void>;
}

export async function startFakeAgent(behaviour: FakeAgentBehaviour): Promise<FakeAgent> {
  const timers = new Set<NodeJS.Timeout>();
  const held = new Set<ServerWritableStream<unknown, unknown>>();
  let applies = 0;
  const flooded = { written: 0, cancelled: false };
  /** Writes message as fast as the stream takes it, until the caller cancels (or a bound of 10 million). */
  const flood = (call: ServerWritableStream<unknown, unknown>, message: object): void => {
    held.add(call);
    let cancelled = false;
    call.on('cancelled', () => { cancelled = true; flooded.cancelled = true; });
    // 100 a turn: the server shares its process with the client under test
    const more = (): void => {
      for (let i = 0; i < 100; i++) {
        if (cancelled || flooded.written >= 10_000_000) return;
        flooded.written++;
        if (!call.write(message)) {
          call.once('drain', more);
          return;
        }
      }
      setImmediate(more);
    };
    more();
  };
  const server = new Server();
  server.addService(loadAgentProto().lvsctl.v1.Agent.service, {
    Hello: (_call: ServerUnaryCall<unknown, unknown>, callback: (err: null, reply: object) => void) => {
      const reply = { host: 'fake', version: '9.9.9', capabilities: [] as string[], ...behaviour.identity, role: wireName(ROLE, behaviour.role) };
      if (!behaviour.helloDelayMs) return callback(null, reply);
      const timer = setTimeout(() => { timers.delete(timer); callback(null, reply); }, behaviour.helloDelayMs);
      timers.add(timer);
    },
    Apply: (call: ServerWritableStream<unknown, unknown>) => {
      applies++;
      held.add(call);
      call.sendMetadata(new Metadata());
      if (behaviour.flood?.apply) return flood(call, applyEventToWire(behaviour.flood.apply));
      if (behaviour.applyWire) {
        for (const message of behaviour.applyWire) call.write(message);
        return;
      }
      const events = behaviour.applyEvents ?? [];
      for (const event of events) call.write(applyEventToWire(event));
      // a complete apply ends its stream; one without its result stays open, silent
      if (events[events.length - 1]?.kind === 'result') {
        held.delete(call);
        call.end();
      }
    },
    Health: (call: ServerWritableStream<unknown, unknown>) => {
      if (behaviour.flood?.health) return flood(call, healthReportToWire(behaviour.flood.health));
      held.add(call);
      if (behaviour.healthReport) call.write(healthReportToWire(behaviour.healthReport));
    },
    Connections: (call: ServerWritableStream<unknown, unknown>) => {
      if (behaviour.flood?.connection) flood(call, connectionToWire(behaviour.flood.connection));
      else held.add(call);
    },
  });
  const credentials = behaviour.tls
    ? (() => {
      const m = readTlsFiles(behaviour.tls);
      return ServerCredentials.createSsl(m.ca, [{ private_key: m.key, cert_chain: m.cert }], true);
    })()
    : ServerCredentials.createInsecure();
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', credentials, (err, bound) => (err ? reject(err) : resolve(bound)));
  });
  return {
    port,
    applies: () => applies,
    flooded: () => ({ ...flooded }),
    stop: async () => {
      for (const t of timers) clearTimeout(t);
      for (const call of held) call.end();
      server.forceShutdown();
    },
  };
}
