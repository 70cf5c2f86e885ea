// ApplyEvent in both directions: the agent encodes what its applier emits; the controller
// decodes what arrives and refuses anything malformed rather than showing garbage.
import type { ApplyEvent, ResultEvent } from '../apply-events';
import type { ApplyEvent as WireApplyEvent, ApplyEvent__Output } from '../../proto/generated/lvsctl/v1/ApplyEvent';
import type { ResultEvent__Output } from '../../proto/generated/lvsctl/v1/ResultEvent';
import { boundedString, enumValue, fail, intIn, optionalString } from './checks';
import { APPLY_OUTCOME, DIFF_SUBJECT, STEP_STATUS, wireName } from './enum-names';
import { LIMITS } from './limits';

export function applyEventToWire(event: ApplyEvent): WireApplyEvent {
  switch (event.kind) {
    case 'step':
      return {
        step: {
          action: event.action,
          target: event.target,
          status: wireName(STEP_STATUS, event.status),
          message: event.message,
          fix: event.fix ?? '',
        },
      };
    case 'diff':
      return { diff: { subject: wireName(DIFF_SUBJECT, event.subject), before: event.before, after: event.after } };
    case 'notice':
      return { notice: { message: event.message } };
    case 'result':
      return { result: resultEventToWire(event) };
  }
}

function resultEventToWire(event: ResultEvent): WireApplyEvent['result'] {
  return {
    outcome: wireName(APPLY_OUTCOME, event.outcome),
    changed: event.changed,
    message: event.message,
    rollback: event.rollback ?? '',
  };
}

const TEXT = { max: LIMITS.eventText, min: 0 };

export function applyEventFromWire(wire: ApplyEvent__Output): ApplyEvent {
  if (wire.event === 'step' && wire.step) {
    const s = wire.step;
    const fix = optionalString(s.fix, 'step.fix', TEXT);
    return {
      kind: 'step',
      action: boundedString(s.action, 'step.action', TEXT),
      target: boundedString(s.target, 'step.target', TEXT),
      status: enumValue(s.status, STEP_STATUS, 'step.status'),
      message: boundedString(s.message, 'step.message', TEXT),
      ...(fix ? { fix } : {}),
    };
  }
  if (wire.event === 'diff' && wire.diff) {
    return {
      kind: 'diff',
      subject: enumValue(wire.diff.subject, DIFF_SUBJECT, 'diff.subject'),
      before: boundedString(wire.diff.before, 'diff.before', { max: 8 * LIMITS.eventText, min: 0 }),
      after: boundedString(wire.diff.after, 'diff.after', { max: 8 * LIMITS.eventText, min: 0 }),
    };
  }
  if (wire.event === 'notice' && wire.notice) {
    return { kind: 'notice', message: boundedString(wire.notice.message, 'notice.message', TEXT) };
  }
  if (wire.event === 'result' && wire.result) return resultEventFromWire(wire.result);
  fail('event', 'is missing: an apply event is a step, a diff, a notice or a result');
}

function resultEventFromWire(r: ResultEvent__Output): ResultEvent {
  const rollback = optionalString(r.rollback, 'result.rollback', TEXT);
  return {
    kind: 'result',
    outcome: enumValue(r.outcome, APPLY_OUTCOME, 'result.outcome'),
    changed: intIn(r.changed, 0, 2 ** 32 - 1, 'result.changed'),
    message: boundedString(r.message, 'result.message', TEXT),
    ...(rollback ? { rollback } : {}),
  };
}
