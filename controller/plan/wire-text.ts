// Free text a plan sends to an agent as it is (a command, a path, a regular expression, a
// payload): the agent refuses a NUL in it (lvs/wire/checks.ts), and protobuf carries only
// well-formed UTF-8, so a lone UTF-16 surrogate would arrive as U+FFFD, another text than the
// plan's, without a word. Checked here, where validate can name the field.
import { z } from 'zod';

const LONE_SURROGATE = /\p{Surrogate}/u;

/** `schema` that also refuses a NUL and a lone surrogate. */
export function wireText(schema: z.ZodString): z.ZodString {
  return schema
    .refine((text) => !text.includes('\0'), { error: 'must not contain a NUL character' })
    .refine((text) => !LONE_SURROGATE.test(text), { error: 'must be well-formed text: it holds half of a UTF-16 surrogate pair, which cannot be sent as UTF-8' });
}

/** `schema` that also holds the text to `bytes` once written as UTF-8 (what goes in a datagram). */
export function utf8AtMost(schema: z.ZodString, bytes: number): z.ZodString {
  return schema.refine((text) => Buffer.byteLength(text, 'utf8') <= bytes, { error: `must be at most ${bytes} bytes as UTF-8 (a character past ASCII takes 2 to 4)` });
}

// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/**
 * A path on a host, written into render's comments and the agent's messages: a newline in it
 * would end a comment line of `lvsctl render` and make the rest a command of its own.
 */
export function hostPath(example: string): z.ZodString {
  return wireText(z.string().min(1).max(4096))
    .refine((text) => text.startsWith('/'), { error: `must be an absolute path, e.g. "${example}"` })
    .refine((text) => !CONTROL_CHARACTER.test(text), { error: `must be a path without control characters (a newline, a tab), e.g. "${example}"` });
}
