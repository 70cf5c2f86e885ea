// The servers a lab realserver runs for the keepalived-level checks, as a program inside
// its namespace:
//   node check-server.js https PORT CERT_FILE KEY_FILE ANSWER   an HTTPS server answering ANSWER
//   node check-server.js dns PORT NAME ADDRESS                   a DNS server answering NAME A ADDRESS
// It prints "listening" once it listens; SIGTERM or SIGKILL ends it.
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { startDnsResponder } from '../../unit/health/dns-responder';

const [mode, portText, a, b, c] = process.argv.slice(2);
const port = Number(portText);
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  process.stderr.write('usage: node check-server.js https PORT CERT KEY ANSWER | dns PORT NAME ADDRESS\n');
  process.exit(2);
}
if (mode === 'https' && a && b && c) {
  const server = https.createServer({ cert: readFileSync(a), key: readFileSync(b) }, (_request, response) => {
    response.writeHead(200, { 'content-type': 'text/plain', connection: 'close' });
    response.end(`${c}\n`);
  });
  server.on('error', (error) => { process.stderr.write(`https ${c}: ${error.message}\n`); process.exit(1); });
  server.listen(port, () => process.stdout.write('listening\n'));
} else if (mode === 'dns' && a && b) {
  startDnsResponder({ [a]: [b] }, '0.0.0.0', port).then(
    () => process.stdout.write('listening\n'),
    (error: Error) => { process.stderr.write(`dns: ${error.message}\n`); process.exit(1); },
  );
} else {
  process.stderr.write(`unknown mode or missing arguments: ${process.argv.slice(2).join(' ')}\n`);
  process.exit(2);
}
