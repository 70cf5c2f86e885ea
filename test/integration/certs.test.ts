import assert from 'assert';
import { X509Certificate } from 'crypto';
import { spawnSync } from 'child_process';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { main } from '../../controller/cli/program';
import { clientTlsFromOptions } from '../../controller/client/tls-options';
import { CliError } from '../../controller/exit-codes';
import { writeLoopbackPlan } from './support/loopback-plan';
import { connectorFromOptions, parseTimeoutMs } from '../../controller/cli/agent-options';

/** Runs `lvsctl ARGS`, capturing stderr. */
async function lvsctl(...args: string[]): Promise<{ code: number; stderr: string }> {
  const write = process.stderr.write.bind(process.stderr);
  const out = process.stdout.write.bind(process.stdout);
  let stderr = '';
  process.stderr.write = ((chunk: string) => {
    stderr += chunk;
    return true;
  }) as typeof process.stderr.write;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    const code = await main(['node', 'lvsctl', ...args]);
    return { code, stderr };
  } finally {
    process.stderr.write = write;
    process.stdout.write = out;
    process.exitCode = undefined;
  }
}

describe('lvsctl certs', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lvsctl-certs-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('init makes a CA whose key only its owner can read', async () => {
    assert.strictEqual((await lvsctl('certs', 'init', join(dir, 'pki'))).code, 0);
    const ca = new X509Certificate(readFileSync(join(dir, 'pki', 'ca.crt')));
    assert.strictEqual(ca.ca, true);
    assert.strictEqual(statSync(join(dir, 'pki', 'ca.key')).mode & 0o777, 0o600);
    // and an empty revocation list from the start, so agents bootstrapped from DIR have --crl before any revoke
    await import('reflect-metadata');
    const x509 = await import('@peculiar/x509');
    const crl = new x509.X509Crl(readFileSync(join(dir, 'pki', 'crl.pem'), 'utf8'));
    assert.deepStrictEqual(crl.entries, []);
    assert.ok(await crl.verify({ publicKey: await new x509.X509Certificate(readFileSync(join(dir, 'pki', 'ca.crt'), 'utf8')).publicKey.export() }));
  });

  it('init into a directory others may write warns, naming the chmod, and says nothing for one only its owner may', async () => {
    chmodSync(dir, 0o777);
    const open = await lvsctl('certs', 'init', dir);
    assert.strictEqual(open.code, 0);
    assert.match(open.stderr, /warning: .* is writable by every user \(mode 0777\): they could replace ca\.crt or a certificate in it; chmod 700 /);
    const own = await lvsctl('certs', 'init', join(dir, 'private'));
    assert.strictEqual(own.code, 0);
    assert.doesNotMatch(own.stderr, /warning/);
  });

  it('init refuses to replace an existing CA, exit 1', async () => {
    await lvsctl('certs', 'init', dir);
    const before = readFileSync(join(dir, 'ca.key'), 'utf8');
    const { code, stderr } = await lvsctl('certs', 'init', dir);
    assert.strictEqual(code, 1);
    assert.match(stderr, /already holds a CA \(ca\.crt or ca\.key\); refusing to replace it/);
    assert.strictEqual(readFileSync(join(dir, 'ca.key'), 'utf8'), before);
  });

  it('issue makes a certificate for server and client use, with CN, IP and DNS names, signed by the CA', async () => {
    await lvsctl('certs', 'init', dir);
    const { code } = await lvsctl('certs', 'issue', dir, 'lvs1', '--ip', '10.0.0.1', '--ip', '2001:db8::1', '--dns', 'lvs1.example.net');
    assert.strictEqual(code, 0);
    const cert = new X509Certificate(readFileSync(join(dir, 'lvs1.crt')));
    const ca = new X509Certificate(readFileSync(join(dir, 'ca.crt')));
    assert.strictEqual(cert.subject, 'CN=lvs1');
    assert.strictEqual(cert.subjectAltName, 'DNS:lvs1, DNS:lvs1.example.net, IP Address:10.0.0.1, IP Address:2001:DB8:0:0:0:0:0:1');
    assert.deepStrictEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    assert.ok(cert.verify(ca.publicKey));
    assert.strictEqual(cert.ca, false);
    assert.strictEqual(statSync(join(dir, 'lvs1.key')).mode & 0o777, 0o600);
    const days = (new Date(cert.validTo).getTime() - new Date(cert.validFrom).getTime()) / 86_400_000;
    assert.ok(Math.round(days) === 825, `valid for ${days} days`);
  });

  it('init gives two CAs made on one day different names, so that OpenSSL never takes one for the other', async () => {
    await lvsctl('certs', 'init', join(dir, 'a'));
    await lvsctl('certs', 'init', join(dir, 'b'));
    const [a, b] = ['a', 'b'].map((d) => new X509Certificate(readFileSync(join(dir, d, 'ca.crt'))).subject);
    assert.match(a, /^CN=lvsctl CA \d{4}-\d{2}-\d{2} [0-9a-f]{8}$/);
    assert.notStrictEqual(a, b);
  });

  it('issue refuses to overwrite a certificate already issued', async () => {
    await lvsctl('certs', 'init', dir);
    await lvsctl('certs', 'issue', dir, 'web1');
    const { code, stderr } = await lvsctl('certs', 'issue', dir, 'web1');
    assert.strictEqual(code, 1);
    assert.match(stderr, /web1\.crt already exists; remove it first/);
  });

  it('init on a file, or under one, says so and exits 1, not as an unexpected error', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    const onFile = await lvsctl('certs', 'init', file);
    assert.strictEqual(onFile.code, 1);
    assert.match(onFile.stderr, /a-file: is a file, not a directory; choose another DIR/);
    const under = await lvsctl('certs', 'init', join(file, 'pki'));
    assert.strictEqual(under.code, 1);
    assert.match(under.stderr, /a part of the path is a file, not a directory/);
    assert.doesNotMatch(onFile.stderr + under.stderr, /unexpected/);
  });

  it('init under /proc ends at once, exit 1, saying the directory cannot be made (Node\'s own mkdir -p spun there forever)', async () => {
    const proc = await lvsctl('certs', 'init', '/proc/lvsctl-pki');
    assert.strictEqual(proc.code, 1);
    assert.match(proc.stderr, /^lvsctl: \/proc\/lvsctl-pki: cannot be created \(ENOENT\); choose another DIR\n$/);
  });

  it('issue without a CA says to run certs init', async () => {
    const { code, stderr } = await lvsctl('certs', 'issue', dir, 'web1');
    assert.strictEqual(code, 1);
    assert.match(stderr, /ca\.(crt|key): ENOENT \(create the CA first with `lvsctl certs init/);
  });

  it('issue and revoke refuse a ca.key that is not the key of ca.crt (another CA\'s, or no key), signing nothing', async () => {
    await lvsctl('certs', 'init', join(dir, 'a'));
    await lvsctl('certs', 'init', join(dir, 'b'));
    copyFileSync(join(dir, 'b', 'ca.key'), join(dir, 'a', 'ca.key'));
    const other = await lvsctl('certs', 'issue', join(dir, 'a'), 'web1');
    assert.strictEqual(other.code, 1);
    assert.match(other.stderr, /a\/ca\.key is not the key of .*a\/ca\.crt \(another CA's\?\): put the CA's own key back/);
    assert.throws(() => statSync(join(dir, 'a', 'web1.crt')), /ENOENT/);
    writeFileSync(join(dir, 'a', 'ca.key'), 'not a key\n');
    const garbage = await lvsctl('certs', 'crl', join(dir, 'a'));
    assert.strictEqual(garbage.code, 1);
    assert.match(garbage.stderr, /a\/ca\.key is not a PEM private key: put the CA's key back/);
  });

  it('issue with the CA\'s certificate but not its key says to put ca.key back, not to make a new CA', async () => {
    await lvsctl('certs', 'init', dir);
    rmSync(join(dir, 'ca.key'));
    const { code, stderr } = await lvsctl('certs', 'issue', dir, 'web1');
    assert.strictEqual(code, 1);
    assert.match(stderr, /ca\.key: ENOENT: .* holds the CA's certificate but not its key; put ca\.key back from where it is kept/);
    assert.doesNotMatch(stderr, /certs init/);
  });

  it('issue with the CA\'s key but not its certificate says which, where init would refuse the directory', async () => {
    await lvsctl('certs', 'init', dir);
    rmSync(join(dir, 'ca.crt'));
    const { code, stderr } = await lvsctl('certs', 'issue', dir, 'web1');
    assert.strictEqual(code, 1);
    assert.match(stderr, /ca\.crt: ENOENT: .* holds the CA's key but not its certificate; put ca\.crt back from where it is kept, or, if `lvsctl certs init` was stopped before it wrote ca\.crt \(so this CA issued nothing\), remove .*ca\.key and run `lvsctl certs init/);
    // and that way out works: init takes the directory once ca.key is gone
    rmSync(join(dir, 'ca.key'));
    assert.strictEqual((await lvsctl('certs', 'init', dir)).code, 0);
  });

  it('revoke records the serial in DIR/revoked.json and writes DIR/crl.pem signed by the CA, listing it', async () => {
    await lvsctl('certs', 'init', dir);
    await lvsctl('certs', 'issue', dir, 'ops');
    await lvsctl('certs', 'issue', dir, 'ci');
    assert.strictEqual((await lvsctl('certs', 'revoke', dir, 'ops')).code, 0);
    assert.strictEqual((await lvsctl('certs', 'revoke', dir, 'ci')).code, 0);
    const serials = ['ops', 'ci'].map((n) => new X509Certificate(readFileSync(join(dir, `${n}.crt`))).serialNumber);
    const records = JSON.parse(readFileSync(join(dir, 'revoked.json'), 'utf8')) as Array<{ serial: string; name: string; revokedAt: string }>;
    assert.deepStrictEqual(records.map((r) => [r.serial, r.name]), [[serials[0], 'ops'], [serials[1], 'ci']]);
    const pem = readFileSync(join(dir, 'crl.pem'), 'utf8');
    assert.match(pem, /^-----BEGIN X509 CRL-----\n[\s\S]+-----END X509 CRL-----\n$/);
    assert.strictEqual(statSync(join(dir, 'crl.pem')).mode & 0o777, 0o644);
    await import('reflect-metadata');
    const x509 = await import('@peculiar/x509');
    const crl = new x509.X509Crl(pem);
    const ca = new x509.X509Certificate(readFileSync(join(dir, 'ca.crt'), 'utf8'));
    assert.ok(await crl.verify({ publicKey: ca }), 'the CA signed the CRL');
    assert.deepStrictEqual(crl.entries.map((e) => e.serialNumber.toUpperCase().replace(/^0+/, '')), serials.map((s) => s.replace(/^0+/, '')));
    assert.strictEqual(crl.nextUpdate?.getTime(), ca.notAfter.getTime());
  });

  it('revoke of a certificate revoked already writes the CRL again and exits 0', async () => {
    await lvsctl('certs', 'init', dir);
    await lvsctl('certs', 'issue', dir, 'ops');
    await lvsctl('certs', 'revoke', dir, 'ops');
    assert.strictEqual((await lvsctl('certs', 'revoke', dir, 'ops')).code, 0);
    assert.strictEqual((JSON.parse(readFileSync(join(dir, 'revoked.json'), 'utf8')) as unknown[]).length, 1);
  });

  it('revoke refuses a name without a certificate, one another CA issued, and a directory without a CA, exit 1', async () => {
    await lvsctl('certs', 'init', join(dir, 'a'));
    await lvsctl('certs', 'init', join(dir, 'b'));
    await lvsctl('certs', 'issue', join(dir, 'b'), 'ops');
    copyFileSync(join(dir, 'b', 'ops.crt'), join(dir, 'a', 'ops.crt'));
    const missing = await lvsctl('certs', 'revoke', join(dir, 'a'), 'ci');
    assert.strictEqual(missing.code, 1);
    assert.match(missing.stderr, /a\/ci\.crt: ENOENT \(revoke reads the certificate to learn its serial\)/);
    const foreign = await lvsctl('certs', 'revoke', join(dir, 'a'), 'ops');
    assert.strictEqual(foreign.code, 1);
    assert.match(foreign.stderr, /a\/ops\.crt was not issued by .*a\/ca\.crt: only the CA that signed a certificate can revoke it/);
    const noCa = await lvsctl('certs', 'revoke', join(dir, 'none'), 'ops');
    assert.strictEqual(noCa.code, 1);
    assert.match(noCa.stderr, /create the CA first with `lvsctl certs init/);
  });

  it('crl writes an empty list before any revoke, for agents started with --crl', async () => {
    await lvsctl('certs', 'init', dir);
    assert.strictEqual((await lvsctl('certs', 'crl', dir)).code, 0);
    await import('reflect-metadata');
    const x509 = await import('@peculiar/x509');
    assert.deepStrictEqual(new x509.X509Crl(readFileSync(join(dir, 'crl.pem'), 'utf8')).entries, []);
  });

  it('issue refuses a name that could escape the directory, and an address that is not one', async () => {
    await lvsctl('certs', 'init', dir);
    assert.match((await lvsctl('certs', 'issue', dir, '../web1')).stderr, /NAME "\.\.\/web1": must be 1-63 letters/);
    assert.match((await lvsctl('certs', 'issue', dir, 'web1', '--ip', '10.0.0.256')).stderr, /--ip "10\.0\.0\.256": not an IPv4 or IPv6 address/);
  });
});

describe('the controller\'s TLS options', () => {
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lvsctl-tls-opts-'));
    await lvsctl('certs', 'init', dir);
    await lvsctl('certs', 'issue', dir, 'controller');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('take the files from LVSCTL_CA, LVSCTL_CERT and LVSCTL_KEY when no flag is given', () => {
    const env = { LVSCTL_CA: join(dir, 'ca.crt'), LVSCTL_CERT: join(dir, 'controller.crt'), LVSCTL_KEY: join(dir, 'controller.key') };
    const tls = clientTlsFromOptions({}, env);
    assert.strictEqual(tls.kind === 'mtls' && tls.material.commonName, 'controller');
  });

  it('name every missing file and the way out', () => {
    assert.throws(
      () => clientTlsFromOptions({ ca: join(dir, 'ca.crt') }, {}),
      (err: unknown) => err instanceof CliError && err.exitCode === 1 &&
        /missing --cert \(or LVSCTL_CERT\), --key \(or LVSCTL_KEY\)\. Make them with `lvsctl certs init DIR`/.test(err.message),
    );
  });

  it('name a file that is not a certificate', () => {
    const bogus = join(dir, 'bogus.crt');
    writeFileSync(bogus, 'not a certificate');
    assert.throws(
      () => clientTlsFromOptions({ ca: join(dir, 'ca.crt'), cert: bogus, key: join(dir, 'controller.key') }, {}),
      /bogus\.crt: is not a PEM certificate/,
    );
  });

  it('need no files with --insecure', () => {
    assert.deepStrictEqual(clientTlsFromOptions({ insecure: true }, {}), { kind: 'insecure' });
  });

  it('refuse --insecure beside a TLS flag, which it would drop without a word, but not beside the environment\'s files', () => {
    assert.throws(
      () => clientTlsFromOptions({ insecure: true, ca: join(dir, 'ca.crt') }, {}),
      (err: unknown) => err instanceof CliError && err.exitCode === 1 && /^--insecure and --ca exclude each other: drop --insecure to use mutual TLS/.test(err.message),
    );
    const env = { LVSCTL_CA: join(dir, 'ca.crt'), LVSCTL_CERT: join(dir, 'controller.crt'), LVSCTL_KEY: join(dir, 'controller.key') };
    assert.deepStrictEqual(clientTlsFromOptions({ insecure: true }, env), { kind: 'insecure' });
    // as commander hands them over: the environment's values in the options themselves
    assert.deepStrictEqual(clientTlsFromOptions({ insecure: true, ca: env.LVSCTL_CA, cert: env.LVSCTL_CERT, key: env.LVSCTL_KEY }, env), { kind: 'insecure' });
    assert.throws(() => clientTlsFromOptions({ insecure: true, ca: join(dir, 'other-ca.crt'), cert: env.LVSCTL_CERT, key: env.LVSCTL_KEY }, env), /--insecure and --ca exclude each other: drop --insecure/);
  });

  it('take --insecure from the command line while LVSCTL_CA, LVSCTL_CERT and LVSCTL_KEY are set (they are a default): the agent is dialled, in plain TCP', () => {
    const plan = writeLoopbackPlan(dir, 'insecure-env', { lvs1: 1, web1: 1 });
    const env = { ...process.env, LVSCTL_CA: join(dir, 'ca.crt'), LVSCTL_CERT: join(dir, 'controller.crt'), LVSCTL_KEY: join(dir, 'controller.key') };
    const run = spawnSync(process.execPath, [join(__dirname, '..', '..', 'controller', 'cli', 'main.js'), 'status', plan, '--insecure', '--timeout', '2s'], { env, encoding: 'utf8', timeout: 30_000 });
    assert.doesNotMatch(run.stderr, /exclude each other/, run.stderr);
    // nothing listens on 127.0.0.1:1: unreachable (3), not a usage error (1)
    assert.strictEqual(run.status, 3, `${run.stdout}\n${run.stderr}`);
  });

  it('say when a file that cannot be used came from the environment', () => {
    const env = { LVSCTL_CA: join(dir, 'no-such-ca.crt'), LVSCTL_CERT: join(dir, 'controller.crt'), LVSCTL_KEY: join(dir, 'controller.key') };
    assert.throws(() => clientTlsFromOptions({}, env), /no-such-ca\.crt: the CA certificate does not exist \(.*\) \(from LVSCTL_CA\)$/);
    assert.throws(() => clientTlsFromOptions({ ca: join(dir, 'no-such-ca.crt') }, env), (err: unknown) => err instanceof Error && !/from LVSCTL_CA/.test(err.message));
  });

  it('read --timeout as a duration and refuse anything else', () => {
    assert.strictEqual(parseTimeoutMs('10s'), 10_000);
    assert.strictEqual(parseTimeoutMs('500ms'), 500);
    assert.throws(() => parseTimeoutMs('10'), /--timeout "10": must be a duration/);
    assert.throws(() => connectorFromOptions({ insecure: true, timeout: '0s' }), /--timeout "0s"/);
  });
});
