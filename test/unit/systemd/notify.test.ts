// Readiness for Type=notify: the agent runs the real systemd-notify, which sends READY=1 to
// the unix datagram socket NOTIFY_SOCKET names. The socket here is a real one held by a small
// python3 receiver (Node has no unix datagram sockets), as systemd would hold it.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { notifyReady } from '../../../agent/service-manager';

// Prints "bound", then each datagram as one JSON string a line, until stdin closes.
const RECEIVER = `
import json, socket, sys, threading, os
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("bound", flush=True)
def stop():
    sys.stdin.read()
    os._exit(0)
threading.Thread(target=stop, daemon=True).start()
while True:
    print(json.dumps(s.recv(65536).decode()), flush=True)
`;

const PYTHON = '/usr/bin/python3';

interface Receiver {
  socket: string;
  datagrams: string[];
  child: ChildProcess;
  dir: string;
}

function startReceiver(): Promise<Receiver> {
  const dir = mkdtempSync(join(tmpdir(), 'lvsctl-notify-'));
  const socket = join(dir, 'notify');
  const child = spawn(PYTHON, ['-c', RECEIVER, socket], { stdio: ['pipe', 'pipe', 'inherit'] });
  const datagrams: string[] = [];
  return new Promise((resolve, reject) => {
    let buffered = '';
    child.once('error', reject);
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (line === 'bound') resolve({ socket, datagrams, child, dir });
        else datagrams.push(JSON.parse(line) as string);
      }
    });
  });
}

describe('readiness to systemd (Type=notify)', () => {
  let receiver: Receiver | undefined;

  before(function () {
    // both ship with the machine's set-up (scripts/install-deps.sh: python3, systemd)
    for (const tool of [PYTHON, '/usr/bin/systemd-notify']) {
      if (!existsSync(tool)) throw new Error(`${tool} is missing: run scripts/install-deps.sh (this test needs a real unix datagram socket and systemd-notify)`);
    }
  });

  afterEach(() => {
    receiver?.child.stdin?.end();
    if (receiver) rmSync(receiver.dir, { recursive: true, force: true });
    receiver = undefined;
  });

  it('sends READY=1 and the status line to NOTIFY_SOCKET through systemd-notify', async () => {
    receiver = await startReceiver();
    const r = receiver;
    assert.equal(await notifyReady('serving director on 0.0.0.0:7400', { env: { ...process.env, NOTIFY_SOCKET: r.socket } }), 'sent');
    // systemd-notify returns once its barrier was read: the message came before it
    const ready = r.datagrams.find((d) => d.includes('READY=1'));
    assert.ok(ready, `no READY=1 among ${JSON.stringify(r.datagrams)}`);
    assert.deepEqual(ready.split('\n').sort(), ['READY=1', 'STATUS=serving director on 0.0.0.0:7400']);
  });

  it('sends nothing without NOTIFY_SOCKET (not started by systemd)', async () => {
    let ran = false;
    const outcome = await notifyReady('x', { env: {}, run: async () => { ran = true; } });
    assert.equal(outcome, 'not-under-systemd');
    assert.equal(ran, false);
  });

  it('says why when the message cannot be sent', async () => {
    await assert.rejects(
      notifyReady('x', { env: { NOTIFY_SOCKET: '/nonexistent/notify' }, notifier: '/nonexistent/systemd-notify' }),
      /\/nonexistent\/systemd-notify is not installed \(it comes with systemd\)/,
    );
    await assert.rejects(
      notifyReady('x', { env: { ...process.env, NOTIFY_SOCKET: join(tmpdir(), 'lvsctl-no-such-socket') } }),
      /systemd-notify --ready --status=x failed/,
    );
  });
});
