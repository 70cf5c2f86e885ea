// plan.json's constants and text patterns, apart from the zod schema that uses them, so
// a module that needs only these (compile, the command-line options, import) does not
// load zod: loading zod is most of what `lvsctl validate` costs at start-up.
export const API_VERSION = 'lvsctl/v1';
export const DEFAULT_AGENT_PORT = 7400;
export const MAX_MARK = 2 ** 32 - 1;
/** the most services one plan holds (what a director agent is built and measured for) */
export const MAX_PLAN_SERVICES = 20_000;

/** "80" or "10000:12000", as iptables --dport takes them. */
export const PORT_SPEC_PATTERN = /^(\d{1,5})(?::(\d{1,5}))?$/;
/** "500ms", "1s", "2m" */
export { DURATION_PATTERN } from '../../lvs/duration';
