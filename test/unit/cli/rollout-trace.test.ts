// lvsctl rollout --trace wraps each agent client to mark its calls: the calls themselves go
// through unchanged, a hello's word that an apply follows included.
import { strict as assert } from 'node:assert';
import { tracedConnector } from '../../../controller/cli/rollout-trace';
import type { AgentClient } from '../../../controller/client/agent-client';

describe('tracedConnector: lvsctl rollout --trace', () => {
  it('marks a hello asked and answered, and passes its options to the agent\'s client', async () => {
    const asked: unknown[] = [];
    const client: AgentClient = {
      hello: async (options) => {
        asked.push(options);
        return { host: 'lvs1', role: 'director', version: '1', capabilities: [] };
      },
      apply: async () => ({ kind: 'result', outcome: 'ok', changed: 0, message: '' }),
      close: () => undefined,
    };
    const marks: string[] = [];
    const traced = tracedConnector(() => client, (what, host) => marks.push(`${what} ${host ?? ''}`))({ host: 'lvs1', address: '127.0.0.1', port: 1 });
    await traced.hello({ applyFollows: true });
    await traced.hello();
    assert.deepEqual(asked, [{ applyFollows: true }, undefined]);
    assert.deepEqual(marks, ['hello asked lvs1', 'hello answered lvs1', 'hello asked lvs1', 'hello answered lvs1']);
  });
});
