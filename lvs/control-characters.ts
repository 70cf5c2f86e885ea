// Text from a peer (an agent, a host over ssh, a DNS server a check asks) shown to an
// operator or written to a log: a control character, a terminal escape among them, shown as
// "?", so that the peer can neither drive a terminal nor break a log line.

/** C0, DEL and C1 control characters. */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/g;

export function showControlCharacters(text: string): string {
  return text.replace(CONTROL_CHARACTERS, '?');
}
