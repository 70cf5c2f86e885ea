// The message of the AgentUnreachableError a client call ends with; fails the test if the call
// succeeds or ends with any other error.
import assert from 'assert';
import { AgentUnreachableError } from '../../../controller/client/agent-client';

export async function unreachableReasonOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof AgentUnreachableError, `expected AgentUnreachableError, got ${String(err)}`);
    return err.message;
  }
  return assert.fail('the call succeeded');
}
