// A tiny DNS server on loopback for the dns health check's tests (and the lab's): answers
// A questions for the names it knows, NXDOMAIN for others, REFUSED for other types, or
// stays silent when told to. Hand-built packets (RFC 1035 §4): small enough to read whole.
import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';

export interface DnsResponder {
  port: number;
  /** questions seen, "name TYPE" */
  questions: string[];
  silent: boolean;
  close(): Promise<void>;
}

function readName(msg: Buffer, offset: number): { name: string; next: number } {
  const labels: string[] = [];
  let at = offset;
  while (msg[at] !== 0) {
    const len = msg[at];
    labels.push(msg.subarray(at + 1, at + 1 + len).toString('latin1'));
    at += 1 + len;
  }
  return { name: labels.join('.'), next: at + 1 };
}

export function answer(query: Buffer, records: ReadonlyMap<string, string[]>): Buffer {
  const { name, next } = readName(query, 12);
  const type = query.readUInt16BE(next);
  const question = query.subarray(12, next + 4);
  const addresses = type === 1 ? records.get(name.toLowerCase()) : undefined;
  const rcode = type !== 1 ? 5 : addresses ? 0 : 3;
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2); // id
  header.writeUInt16BE(0x8400 | (query.readUInt16BE(2) & 0x0100) | rcode, 2); // QR, AA, RD copied, rcode
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(addresses?.length ?? 0, 6);
  const answers = (addresses ?? []).map((a) => {
    const rr = Buffer.alloc(16);
    rr.writeUInt16BE(0xc00c, 0); // pointer to the question's name
    rr.writeUInt16BE(1, 2); // A
    rr.writeUInt16BE(1, 4); // IN
    rr.writeUInt32BE(60, 6);
    rr.writeUInt16BE(4, 10);
    a.split('.').forEach((octet, i) => rr.writeUInt8(Number(octet), 12 + i));
    return rr;
  });
  return Buffer.concat([header, question, ...answers]);
}

export async function startDnsResponder(records: Record<string, string[]>, host = '127.0.0.1', port = 0): Promise<DnsResponder> {
  const socket = dgram.createSocket('udp4');
  const table = new Map(Object.entries(records).map(([k, v]) => [k.toLowerCase(), v]));
  const responder: DnsResponder = {
    port: 0,
    questions: [],
    silent: false,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
  socket.on('message', (query, peer) => {
    const { name, next } = readName(query, 12);
    responder.questions.push(`${name} ${query.readUInt16BE(next)}`);
    if (!responder.silent) socket.send(answer(query, table), peer.port, peer.address);
  });
  await new Promise<void>((resolve, reject) => { socket.once('error', reject); socket.bind(port, host, () => { socket.off('error', reject); resolve(); }); });
  responder.port = (socket.address() as AddressInfo).port;
  return responder;
}
