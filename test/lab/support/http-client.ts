// The lab client's HTTP load, run as its own program inside the client namespace:
//   node http-client.js URLS_JSON COUNT TIMEOUT_MS INTERVAL_MS
// Makes COUNT requests one after another, cycling through the URLs (a JSON array), each on
// a fresh TCP connection, and prints one JSON array: who answered each (the body) or why not.
// One process for them all: starting node in the guest takes a second or more.
import { get } from 'node:http';

export interface HttpAnswer {
  /** the body, trimmed: the realserver's name; null when the request failed */
  server: string | null;
  error?: string;
}

function requestOnce(url: string, timeoutMs: number): Promise<HttpAnswer> {
  return new Promise((resolve) => {
    // agent: false gives each request its own connection, so the scheduler sees each one.
    const request = get(url, { agent: false, timeout: timeoutMs }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ server: body.trim() }));
      response.on('error', (error) => resolve({ server: null, error: error.message }));
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on('error', (error) => resolve({ server: null, error: error.message }));
  });
}

async function main(): Promise<void> {
  const [urlsJson, countText, timeoutText, intervalText] = process.argv.slice(2);
  const urls = JSON.parse(urlsJson ?? '[]') as unknown;
  const count = Number(countText);
  const timeoutMs = Number(timeoutText ?? 5000);
  const intervalMs = Number(intervalText ?? 0);
  if (!Array.isArray(urls) || urls.length === 0 || !urls.every((u) => typeof u === 'string') || !Number.isInteger(count) || count < 1) {
    process.stderr.write('usage: node http-client.js \'["http://10.0.0.100/"]\' COUNT [TIMEOUT_MS] [INTERVAL_MS]\n');
    process.exit(2);
  }
  const answers: HttpAnswer[] = [];
  for (let i = 0; i < count; i += 1) {
    answers.push(await requestOnce(urls[i % urls.length] as string, timeoutMs));
    if (intervalMs > 0) await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  process.stdout.write(JSON.stringify(answers) + '\n');
}

if (require.main === module) void main();
