// LVSCTL_TRACE=1: where a rollout's time goes, as phase marks on stderr, each with the wall
// clock (to line up with the agents' log timestamps) and the milliseconds since the command
// started. Off by default and then free: the report and the exit code never change with it.
import type { ApplyEvent, ApplyMode, ResultEvent } from '../../lvs/apply-events';
import type { HostPlan } from '../../lvs/host-plan';
import type { AgentClient, AgentConnector, AgentIdentity } from '../client/agent-client';

export type TraceMark = (what: string, host?: string) => void;

/** A mark writer, or undefined when LVSCTL_TRACE is unset, empty or "0". */
export function rolloutTrace(
  env: Readonly<Record<string, string | undefined>>,
  stderr: { write(text: string): unknown },
  startedAt: number,
  clock: () => number = Date.now,
): TraceMark | undefined {
  const flag = env.LVSCTL_TRACE;
  if (flag === undefined || flag === '' || flag === '0') return undefined;
  return (what, host) => {
    const at = clock();
    stderr.write(`lvsctl-trace ${new Date(at).toISOString()} +${at - startedAt}ms ${what}${host !== undefined ? ` ${host}` : ''}\n`);
  };
}

/** The connector's clients, each call marked: asked, answered, first event, result, events seen. */
export function tracedConnector(connector: AgentConnector, mark: TraceMark): AgentConnector {
  return (target) => {
    const client = connector(target);
    const host = target.host;
    return {
      async hello(options?: { applyFollows?: boolean }): Promise<AgentIdentity> {
        mark('hello asked', host);
        try {
          return await client.hello(options);
        } finally {
          mark('hello answered', host);
        }
      },
      ...(client.prepare
        ? {
          prepare: async (plan: HostPlan, mode: ApplyMode): Promise<void> => {
            mark(`prepare (${mode})`, host);
            await client.prepare?.(plan, mode);
          },
        }
        : {}),
      async apply(plan: HostPlan, mode: ApplyMode, onEvent: (event: ApplyEvent) => void): Promise<ResultEvent> {
        mark(`apply called (${mode})`, host);
        let events = 0;
        try {
          return await client.apply(plan, mode, (event) => {
            events += 1;
            if (events === 1) mark(`first event (${event.kind})`, host);
            if (event.kind === 'result') mark(`result event (${event.outcome})`, host);
            onEvent(event);
          });
        } finally {
          mark(`apply done (${events} events)`, host);
        }
      },
      close(): void {
        client.close();
      },
    };
  };
}
