// One iptables rule specification (the words after `-A CHAIN`) read as a mark rule, or
// recognised as something else. Accepts what iptables-save prints (legacy and nf_tables
// print the same words: `-d 10.0.0.100/32 -i eth0 -p tcp -m multiport --dports 80,443
// -j MARK --set-xmark 0x1/0xffffffff`) and the hand-typed spellings of the same rule
// (`--dport 80,443`, `--set-mark 1`, `-d 10.0.0.100`).
import { isIPv4, isIPv6 } from 'node:net';
import { PROTOCOLS, type MarkRule, type Protocol } from '../model';

export type RuleReading =
  /** a MARK rule lvsctl can hold */
  | { kind: 'mark'; rule: MarkRule }
  /** a MARK rule with something lvsctl's model cannot hold (a negation, a source, a partial mask …) */
  | { kind: 'unreadable-mark'; reason: string }
  /** an unconditional jump to a chain */
  | { kind: 'jump'; chain: string }
  /** any other rule: not about marks */
  | { kind: 'other'; target?: string };

const FULL_MASK = 0xffffffff;

/** Splits a save line into words; iptables-save quotes words with spaces ("a b", \" inside). */
export function splitWords(line: string): string[] | undefined {
  const words: string[] = [];
  let i = 0;
  while (i < line.length) {
    if (/\s/.test(line[i])) {
      i++;
      continue;
    }
    let word = '';
    if (line[i] === '"') {
      i++;
      while (i < line.length && line[i] !== '"') {
        if (line[i] === '\\' && i + 1 < line.length) i++;
        word += line[i++];
      }
      if (i >= line.length) return undefined; // unterminated quote
      i++;
    } else {
      while (i < line.length && !/\s/.test(line[i])) word += line[i++];
    }
    words.push(word);
  }
  return words;
}

function parseMarkValue(text: string): number | undefined {
  const m = /^(0x[0-9a-f]+|\d+)(?:\/(0x[0-9a-f]+|\d+))?$/i.exec(text);
  if (!m) return undefined;
  const value = Number(m[1]);
  const mask = m[2] === undefined ? FULL_MASK : Number(m[2]);
  return mask === FULL_MASK ? value : undefined;
}

function isPortSpec(spec: string): boolean {
  const m = /^(\d{1,5})(?::(\d{1,5}))?$/.exec(spec);
  return m !== null && Number(m[1]) <= 65535 && (m[2] === undefined || Number(m[2]) <= 65535);
}

function destinationAddress(text: string): string | undefined {
  const [address, prefix, ...rest] = text.split('/');
  if (rest.length > 0) return undefined;
  if (isIPv4(address) && (prefix === undefined || prefix === '32' || prefix === '255.255.255.255')) return address;
  if (isIPv6(address) && (prefix === undefined || prefix === '128')) return address;
  return undefined;
}

const PROTOCOL_NUMBERS: Readonly<Record<string, Protocol>> = { '6': 'tcp', '17': 'udp' };

/** Reads the words after `-A CHAIN`. */
export function readRule(words: readonly string[]): RuleReading {
  let target: string | undefined;
  let viaGoto = false;
  let targetArgs: string[] = [];
  const problems: string[] = [];
  let destination: string | undefined;
  let inInterface: string | undefined;
  let protocol: Protocol | undefined;
  let ports: string[] | undefined;
  let conditions = 0;

  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    const value = (): string => words[++i] ?? '';
    if (target !== undefined) {
      targetArgs.push(word);
      continue;
    }
    switch (word) {
      case '-d': case '--destination': {
        const text = value();
        destination = destinationAddress(text);
        if (destination === undefined) problems.push(`destination "${text}" is not one address`);
        conditions++;
        break;
      }
      case '-i': case '--in-interface':
        inInterface = value();
        conditions++;
        break;
      case '-p': case '--protocol': {
        const text = value().toLowerCase();
        const p = (PROTOCOLS as readonly string[]).includes(text) ? (text as Protocol) : PROTOCOL_NUMBERS[text];
        if (p === undefined) problems.push(`protocol "${text}" is neither tcp nor udp`);
        protocol = p;
        conditions++;
        break;
      }
      case '-m': case '--match': {
        const module = value();
        if (!['tcp', 'udp', 'multiport'].includes(module)) problems.push(`match "${module}"`);
        conditions++;
        break;
      }
      case '--dport': case '--destination-port': case '--dports': case '--destination-ports': {
        const list = value().split(',');
        if (!list.every(isPortSpec)) problems.push(`ports "${list.join(',')}"`);
        ports = list;
        conditions++;
        break;
      }
      case '-j': case '--jump':
        target = value();
        break;
      // a goto into a chain is a way into it, never the plain jump lvsctl writes
      case '-g': case '--goto':
        target = value();
        viaGoto = true;
        break;
      case '!':
        problems.push('a negation ("!")');
        conditions++;
        break;
      case '-s': case '--source':
        problems.push(`a source address (-s ${value()})`);
        conditions++;
        break;
      default: {
        // An option lvsctl does not read: take its values along, so they are not named as options.
        const values: string[] = [];
        while (i + 1 < words.length && !words[i + 1].startsWith('-') && words[i + 1] !== '!') values.push(words[++i]);
        problems.push(`option "${[word, ...values].join(' ')}"`);
        conditions++;
      }
    }
  }

  if (target !== 'MARK') {
    if (target !== undefined && !viaGoto && conditions === 0 && targetArgs.length === 0) return { kind: 'jump', chain: target };
    return { kind: 'other', ...(target !== undefined ? { target } : {}) };
  }
  let mark: number | undefined;
  for (let i = 0; i < targetArgs.length; i++) {
    if (targetArgs[i] === '--set-xmark' || targetArgs[i] === '--set-mark') {
      mark = parseMarkValue(targetArgs[++i] ?? '');
      if (mark === undefined) problems.push(`mark "${targetArgs[i] ?? ''}" with a partial mask`);
    } else {
      problems.push(`MARK option "${targetArgs[i]}"`);
    }
  }
  targetArgs = [];
  if (mark === 0) problems.push('mark 0, which no fwmark service can use');
  if (mark === undefined && problems.length === 0) problems.push('no --set-mark value');
  if (destination === undefined && problems.length === 0) problems.push('no destination (-d)');
  if (protocol === undefined && problems.length === 0) problems.push('no protocol (-p tcp|udp)');
  if (ports === undefined && problems.length === 0) problems.push('no destination ports (--dport)');
  if (problems.length > 0 || mark === undefined || !destination || !protocol || !ports) {
    return { kind: 'unreadable-mark', reason: problems.join(', ') };
  }
  return { kind: 'mark', rule: { mark, protocol, destination, ports, ...(inInterface !== undefined ? { inInterface } : {}) } };
}
