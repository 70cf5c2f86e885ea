// A lab realserver's HTTP service, run as its own program inside a namespace:
//   node http-server.js PORT ANSWER
// Every response body is ANSWER (the host's name), so a client sees who served it.
// "Connection: close" so every request the client makes is a fresh TCP connection.
import { createServer } from 'node:http';

const [portText, answer] = process.argv.slice(2);
const port = Number(portText);
if (!Number.isInteger(port) || port < 1 || port > 65535 || answer === undefined) {
  process.stderr.write('usage: node http-server.js PORT ANSWER\n');
  process.exit(2);
}
const server = createServer((_request, response) => {
  response.writeHead(200, { 'content-type': 'text/plain', connection: 'close' });
  response.end(`${answer}\n`);
});
server.on('error', (error) => {
  process.stderr.write(`http-server ${answer}: ${error.message}\n`);
  process.exit(1);
});
server.listen(port, () => process.stdout.write('listening\n'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
