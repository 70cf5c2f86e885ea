// lvsctl import --keepalived and --ldirectord: the syntax (quotes, comments, braces, includes
// with a glob), every virtual server form and checker, what is not carried over (with its
// file and line), and the plan validates. The fixture is also given to keepalived itself
// (`keepalived -t`, a config test: nothing is started), so it is keepalived's syntax, not ours.
import assert from 'assert';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { runImport, type ImportIo } from '../../../controller/cli/run-import';
import { importKeepalived } from '../../../controller/import/config-import';
import { diskConfigFiles } from '../../../controller/import/keepalived/disk-files';
import { KeepalivedSyntaxError, parseStatements, readKeepalivedConfig, tokenize, type ConfigFiles } from '../../../controller/import/keepalived/syntax';
import { validatePlan } from '../../../controller/plan/validate';
import { parseMangleSave } from '../../../lvs/formats/iptables-format';
import { readFile } from 'node:fs/promises';

const FIXTURES = path.resolve(__dirname, '..', '..', '..', ...(__dirname.includes('/dist/') ? ['..'] : []), 'test', 'fixtures', 'keepalived');
const MAIN = path.join(FIXTURES, 'keepalived.conf');

/** Files from a map, globs matched by a prefix and suffix ("conf.d/*.conf"). */
function memoryFiles(files: Record<string, string>): ConfigFiles {
  return {
    read: async (f) => { if (!(f in files)) throw new Error('ENOENT'); return files[f]; },
    glob: async (pattern) => {
      const [head, tail] = pattern.split('*');
      return Object.keys(files).filter((f) => (tail === undefined ? f === pattern : f.startsWith(head) && f.endsWith(tail))).sort();
    },
    dirname: (f) => path.posix.dirname(f),
    resolve: (dir, p) => path.posix.resolve(dir, p),
  };
}

describe('keepalived.conf syntax', () => {
  it('reads words, quoted words, both comment marks and braces attached or on their own line', () => {
    const lines = tokenize('a "b c" d{ # note\n!whole line\n  }e ! tail', 'f');
    assert.deepStrictEqual(lines.map((l) => l.map((t) => t.text)), [['a', 'b c', 'd', '{'], ['}', 'e']]);
    const statements = parseStatements(tokenize('vs 1 2\n{\n  real 3 { weight 4 }\n  x\n}\n', 'f'));
    assert.deepStrictEqual(JSON.parse(JSON.stringify(statements, ['keyword', 'args', 'block', 'line'])), [
      { keyword: 'vs', args: ['1', '2'], line: 1, block: [{ keyword: 'real', args: ['3'], line: 3, block: [{ keyword: 'weight', args: ['4'], line: 3 }] }, { keyword: 'x', args: [], line: 4 }] },
    ]);
  });

  it('reads CRLF lines and a last line without an end, numbering each line', () => {
    const lines = tokenize('a b\r\n\r\nc {\r\n}', 'f');
    assert.deepStrictEqual(lines.map((l) => l.map((t) => `${t.text}@${t.line}`)), [['a@1', 'b@1'], ['c@3', '{@3'], ['}@4']]);
  });

  it('refuses blocks nested deeper than 32, naming the file and line, where 10,000 overflowed the call stack', () => {
    const deep = (n: number): string => `${'a {\n'.repeat(n)}${'}\n'.repeat(n)}`;
    assert.strictEqual(parseStatements(tokenize(deep(32), 'k.conf')).length, 1);
    assert.throws(() => parseStatements(tokenize(deep(10_000), 'k.conf')), (e: unknown) => e instanceof KeepalivedSyntaxError && /^k\.conf:33: blocks nested deeper than 32: keepalived's own go four deep/.test(e.message));
  });

  it('names the file and line of an unclosed brace, a stray one, an open quote', () => {
    assert.throws(() => parseStatements(tokenize('a {\n b\n', 'k.conf')), /k\.conf:1: this "\{" is never closed/);
    assert.throws(() => parseStatements(tokenize('a\n}\n', 'k.conf')), /k\.conf:2: a "\}" closes no block/);
    assert.throws(() => tokenize('x "open\n', 'k.conf'), (e: unknown) => e instanceof KeepalivedSyntaxError && /k\.conf:1: a quote opened at column 3/.test(e.message));
  });

  it('follows includes in place, at any depth, by glob relative to the including file, and refuses a loop', async () => {
    const notes: string[] = [];
    const files = memoryFiles({
      '/etc/k/main.conf': 'top {\n  include parts/*.conf\n}\ninclude none/*.conf\n',
      '/etc/k/parts/b.conf': 'second 2',
      '/etc/k/parts/a.conf': 'first 1',
    });
    const config = await readKeepalivedConfig('/etc/k/main.conf', files, notes);
    assert.deepStrictEqual(config[0].block?.map((s) => `${s.file}:${s.line} ${s.keyword}`), ['/etc/k/parts/a.conf:1 first', '/etc/k/parts/b.conf:1 second']);
    assert.match(notes[0], /main\.conf:4: include none\/\*\.conf matches no file/);
    const loop = memoryFiles({ '/k/a.conf': 'include b.conf', '/k/b.conf': 'include a.conf' });
    await assert.rejects(readKeepalivedConfig('/k/a.conf', loop, []), /includes itself \(through \/k\/a\.conf → \/k\/b\.conf → \/k\/a\.conf\)/);
  });
});

describe('lvsctl import --keepalived', () => {
  let plan: ReturnType<typeof JSON.parse>;
  let notes: string[];
  before(async () => {
    const marks = parseMangleSave(await readFile(path.join(FIXTURES, 'mangle.txt'), 'utf8')).foreign;
    const result = await importKeepalived(MAIN, diskConfigFiles, { marks, cluster: 'ka' });
    plan = result.plan;
    notes = result.notes;
  });
  const service = (name: string) => plan.services.find((s: { name: string }) => s.name === name);

  it('the plan validates', () => {
    const result = validatePlan(plan);
    assert.deepStrictEqual(result.problems, []);
  });

  it('a virtual_server group becomes one service per member, each with the block\'s settings and check', () => {
    assert.deepStrictEqual(plan.services.map((s: { name: string }) => s.name), [
      'tcp-10-0-0-100-80', 'tcp-10-0-0-101-80', 'tcp-10-0-0-102-80', 'udp-10-0-0-100-443', 'fwmark-7', 'udp-10-0-0-100-5000', 'udp-10-0-0-100-25',
    ]);
    for (const name of ['tcp-10-0-0-100-80', 'tcp-10-0-0-102-80']) {
      assert.deepStrictEqual(service(name), {
        name, protocol: 'tcp', vip: name === 'tcp-10-0-0-100-80' ? '10.0.0.100' : '10.0.0.102', port: 80, scheduler: 'wrr',
        persistence: { timeout: 300 }, forwarding: 'dr',
        realservers: [{ host: 'rs-10-0-0-11', weight: 3 }, { host: 'rs-10-0-0-12' }],
        healthCheck: { type: 'http', path: '/health', bodyDigest: 'md5:9b3a1ecb7ba3b4b7e9a1b4ba3b0c7a1e', expectStatus: 200, interval: '2s', timeout: '1s', fall: 3, rise: 1 },
      });
    }
  });

  it('SSL_GET with SNI, a status range, a regex and a sorry server; keepalived\'s UDP default without "protocol"', () => {
    assert.deepStrictEqual(service('udp-10-0-0-100-443'), {
      name: 'udp-10-0-0-100-443', protocol: 'udp', vip: '10.0.0.100', port: 443, scheduler: 'rr', forwarding: 'nat',
      realservers: [{ host: 'rs-10-0-0-11' }, { host: 'rs-10-0-0-12' }],
      healthCheck: {
        type: 'https', path: '/status%20page', expectStatus: [200, 201, 202, 203, 204], bodyRegex: '^OK', host: 'shop.example.test',
        tls: { verify: false, serverName: 'shop.example.test' }, interval: '3s', timeout: '2s', fall: 2, rise: 1,
      },
      sorryServer: { address: '10.0.0.50', port: 8443 },
    });
    assert.ok(notes.some((n) => /10-tls\.conf:2: virtual_server without "protocol": keepalived makes it UDP/.test(n)), notes.join('\n'));
  });

  it('fwmark with sh-port and a DNS_CHECK; UDP_CHECK payloads; the marks from --iptables', () => {
    assert.deepStrictEqual(service('fwmark-7'), {
      name: 'fwmark-7', fwmark: 7, scheduler: 'sh', schedulerFlags: ['sh-port'], persistence: { timeout: 60 }, forwarding: 'tun',
      realservers: [{ host: 'rs-10-0-0-11', weight: 2 }],
      healthCheck: { type: 'dns', dns: { name: 'www.example.test', type: 'A' }, interval: '5s', timeout: '2s', fall: 4, rise: 1, port: 53 },
    });
    assert.deepStrictEqual(plan.marks, [{ mark: 7, protocol: 'udp', destination: '10.0.0.100', ports: ['53'] }]);
    assert.deepStrictEqual(service('udp-10-0-0-100-5000').healthCheck, { type: 'udp', udp: { sendHex: '70696e67', expectHex: '706f6e67' }, interval: '4s', timeout: '1s', fall: 2, rise: 1 });
  });

  it('reports each setting it cannot carry over with its file and line, and none twice', () => {
    const expected = [
      /keepalived\.conf:2: not carried over: global_defs: not part of the IPVS table/,
      /keepalived\.conf:28: not carried over: url: lvsctl checks one URL per service/,
      /keepalived\.conf:33: not carried over: delay_before_retry 1/,
      /keepalived\.conf:17: not carried over: persistence_granularity 255\.255\.255\.0: keepalived \(2\.2\.7, in the lab\) does not apply it to the services of a virtual_server group/,
      /20-udp\.conf:22: not carried over: quorum 1/,
      /20-udp\.conf:29: not carried over: notify_down \/usr\/local\/bin\/page-someone/,
      /20-udp\.conf:35: not carried over: user nobody: .*"uid"/,
      /20-udp\.conf:32: not carried over: MISC_CHECK: differs from the check at .*20-udp\.conf:24/,
      /20-udp\.conf:43: not carried over: SMTP_CHECK: lvsctl has no such check/,
    ];
    for (const re of expected) assert.ok(notes.some((n) => re.test(n)), `no note matching ${re}:\n${notes.join('\n')}`);
    assert.strictEqual(new Set(notes).size, notes.length);
  });

  it('says a UDP_CHECK without require_reply passed on silence in keepalived, and needs a reply in lvsctl; retry unset is keepalived\'s 1 (MISC_CHECK 0)', async () => {
    const files = memoryFiles({
      '/k/keepalived.conf': 'virtual_server 10.0.0.100 53 {\n  protocol UDP\n  real_server 10.0.0.11 53 {\n    UDP_CHECK {\n      connect_timeout 2\n    }\n  }\n}\n' +
        'virtual_server 10.0.0.100 25 {\n  protocol TCP\n  real_server 10.0.0.11 25 {\n    MISC_CHECK {\n      misc_path /usr/local/bin/check-smtp\n    }\n  }\n}\n',
    });
    const result = await importKeepalived('/k/keepalived.conf', files, { marks: [], cluster: 'udp' });
    assert.deepStrictEqual(result.plan.services[0].healthCheck, { type: 'udp', udp: {}, interval: '60s', timeout: '2s', fall: 2, rise: 1 });
    assert.deepStrictEqual(result.plan.services[1].healthCheck, { type: 'exec', exec: { command: '/usr/local/bin/check-smtp', args: [] }, interval: '60s', timeout: '60s', fall: 1, rise: 1 });
    assert.ok(result.notes.some((n) => /^\/k\/keepalived\.conf:4: not carried over: UDP_CHECK without require_reply: keepalived counts no answer as up .* lvsctl's udp check needs a reply/.test(n)), result.notes.join('\n'));
  });

  it('names each setting of a vrrp_instance the plan\'s directorGroups does not write, unicast peers with what that risks', async () => {
    const files = memoryFiles({
      '/k/keepalived.conf': 'vrrp_instance VI_1 {\n  state MASTER\n  interface eth0\n  virtual_router_id 51\n  unicast_src_ip 10.0.0.1\n  unicast_peer {\n    10.0.0.2\n  }\n  track_script {\n    chk_haproxy\n  }\n  notify_master /etc/keepalived/master.sh\n  virtual_ipaddress {\n    10.0.0.100\n  }\n}\n' +
        'virtual_server 10.0.0.100 80 {\n  protocol TCP\n  real_server 10.0.0.11 80 {\n  }\n}\n',
    });
    const result = await importKeepalived('/k/keepalived.conf', files, { marks: [], cluster: 'vrrp' });
    const notes = result.notes.join('\n');
    assert.match(notes, /keepalived\.conf:6: not carried over: unicast_peer: vrrp_instance VI_1: lvsctl's keepalived\.conf sends its adverts by multicast .* the backup hears none and takes the addresses too \(two masters\)/);
    assert.match(notes, /keepalived\.conf:5: not carried over: unicast_src_ip 10\.0\.0\.1: vrrp_instance VI_1: lvsctl's keepalived\.conf sends its adverts by multicast/);
    assert.match(notes, /keepalived\.conf:9: not carried over: track_script: vrrp_instance VI_1: lvsctl's keepalived\.conf tracks no script: a failover this script caused no longer happens/);
    assert.match(notes, /keepalived\.conf:12: not carried over: notify_master \/etc\/keepalived\/master\.sh: vrrp_instance VI_1: lvsctl's keepalived\.conf runs its own notify script/);
    // what the directorGroups entry does write is not reported line by line
    assert.doesNotMatch(notes, /keepalived\.conf:(2|3|4|13): /);
  });

  it("makes a service persistent for 360 s where keepalived does: a bare persistence_timeout, persistence_granularity alone, port 0", async () => {
    const files = memoryFiles({
      '/k/keepalived.conf': 'virtual_server 10.0.0.100 80 {\n  protocol TCP\n  persistence_timeout\n  real_server 10.0.0.11 80 {\n  }\n}\n' +
        'virtual_server 10.0.0.100 81 {\n  protocol TCP\n  persistence_granularity 255.255.255.0\n  real_server 10.0.0.11 81 {\n  }\n}\n' +
        'virtual_server 10.0.0.100 0 {\n  protocol TCP\n  lb_kind DR\n  real_server 10.0.0.11 0 {\n  }\n}\n' +
        'virtual_server 10.0.0.100 82 {\n  protocol TCP\n  real_server 10.0.0.11 82 {\n  }\n}\n',
    });
    const result = await importKeepalived('/k/keepalived.conf', files, { marks: [], cluster: 'persist' });
    const persistence = result.plan.services.map((s: { persistence?: unknown }) => s.persistence);
    assert.deepStrictEqual(persistence, [{ timeout: 360 }, { timeout: 360, netmask: '255.255.255.0' }, { timeout: 360 }, undefined]);
    assert.deepStrictEqual(validatePlan(result.plan).problems, []);
    for (const re of [
      /^\/k\/keepalived\.conf:3: persistence_timeout without a value: keepalived's default 360 s, and so does this plan$/,
      /^\/k\/keepalived\.conf:7: persistence_granularity without persistence_timeout: keepalived makes the service persistent for 360 s, and so does this plan$/,
      /^\/k\/keepalived\.conf:13: port 0 \(every port\) is only valid for a persistent service: keepalived makes it persistent for 360 s, and so does this plan$/,
    ]) assert.ok(result.notes.some((n) => re.test(n)), `no note matching ${re}:\n${result.notes.join('\n')}`);
  });

  it("takes keepalived's own DNS_CHECK defaults (type SOA, retry 3) and its UDP_CHECK forms: a bare require_reply, free-form hex", async () => {
    const files = memoryFiles({
      '/k/keepalived.conf': 'virtual_server 10.0.0.100 53 {\n  protocol UDP\n  real_server 10.0.0.11 53 {\n    DNS_CHECK {\n      name example.test\n    }\n  }\n}\n' +
        'virtual_server 10.0.0.100 54 {\n  protocol UDP\n  real_server 10.0.0.11 54 {\n    UDP_CHECK {\n      payload 00ff\n      require_reply\n    }\n  }\n}\n' +
        'virtual_server 10.0.0.100 55 {\n  protocol UDP\n  real_server 10.0.0.11 55 {\n    UDP_CHECK {\n      payload Ab12f 3 456\n      require_reply 12X4\n    }\n  }\n}\n',
    });
    const result = await importKeepalived('/k/keepalived.conf', files, { marks: [], cluster: 'udp' });
    const [dns, bare, free] = result.plan.services.map((s: { healthCheck?: unknown }) => s.healthCheck);
    assert.deepStrictEqual(dns, { type: 'dns', dns: { name: 'example.test', type: 'SOA' }, interval: '60s', timeout: '5s', fall: 4, rise: 1 });
    assert.deepStrictEqual(bare, { type: 'udp', udp: { sendHex: '00ff' }, interval: '60s', timeout: '5s', fall: 2, rise: 1 });
    assert.deepStrictEqual(free, { type: 'udp', udp: { sendHex: 'ab120f034506' }, interval: '60s', timeout: '5s', fall: 2, rise: 1 });
    assert.ok(!result.notes.some((n) => /without require_reply/.test(n)), result.notes.join('\n'));
    assert.ok(result.notes.some((n) => /keepalived\.conf:23: not carried over: require_reply 12X4: not hex lvsctl can compare .*any reply is taken as up/.test(n)), result.notes.join('\n'));
  });

  it('reads a 150,000-line include and reports each of its 150,000 settings, where a spread call threw', async () => {
    // more items than a spread call takes (lvs/append.ts): the include's lines and the notes
    const blocks = Array.from({ length: 150_000 }, (_, i) => `vrrp_script chk_${i} { script /bin/true }`).join('\n');
    const files = memoryFiles({
      '/k/keepalived.conf': 'include conf.d/*.conf\nvirtual_server 10.0.0.100 80 {\n  protocol TCP\n  real_server 10.0.0.11 80 {\n  }\n}\n',
      '/k/conf.d/scripts.conf': blocks,
    });
    const result = await importKeepalived('/k/keepalived.conf', files, { marks: [], cluster: 'big' });
    assert.deepStrictEqual(result.plan.services.map((s: { name: string }) => s.name), ['tcp-10-0-0-100-80']);
    const scripts = result.notes.filter((n) => /not carried over: vrrp_script chk_\d+: not part of the IPVS table/.test(n));
    assert.strictEqual(scripts.length, 150_000);
    assert.match(scripts[149_999] as string, /^\/k\/conf\.d\/scripts\.conf:150000: not carried over: vrrp_script chk_149999:/);
  }).timeout(60_000);

  it('through the command: the plan on stdout, the notes on stderr; refusals name file and line', async () => {
    let out = '';
    let err = '';
    const io: ImportIo = { out: (t) => { out += t; }, err: (t) => { err += t; }, read: (f) => readFile(f, 'utf8') };
    assert.strictEqual(await runImport({ keepalived: MAIN, iptables: path.join(FIXTURES, 'mangle.txt'), cluster: 'ka' }, io), 0);
    assert.strictEqual(JSON.parse(out).services.length, 7);
    assert.match(err, /lvsctl import: note: .*SMTP_CHECK/);
    const bad: ImportIo = { ...io, configFiles: memoryFiles({ '/k.conf': 'virtual_server 10.0.0.1 80 {\n  lb_algo best\n}\n' }) };
    await assert.rejects(runImport({ keepalived: '/k.conf' }, bad), /\/k\.conf:2: scheduler "best" is not one IPVS has/);
    await assert.rejects(runImport({ keepalived: MAIN, ipvsadm: 'x' }, io), /--ipvsadm and --keepalived each describe the whole IPVS table/);
  });

  it('the fixture is keepalived\'s own syntax: keepalived -t accepts it', async function () {
    const binary = ['/usr/sbin/keepalived', '/sbin/keepalived'].find((b) => existsSync(b));
    if (!binary) {
      if (process.env.CI === 'true') assert.fail('keepalived is not installed (scripts/install-deps.sh installs it)');
      console.warn('      SKIPPED: keepalived is not installed here, so its own config test cannot run (scripts/install-deps.sh installs it)');
      this.skip();
    }
    // keepalived -t exits non-zero on any of its own config warnings (and this fixture has
    // some on purpose: an address service without "protocol"), so its words are what count
    const said = await new Promise<string>((resolve) => {
      execFile(binary, ['-t', '-f', MAIN, '-l', '-D'], { timeout: 20_000 }, (_err, stdout, stderr) => resolve(`${stdout}${stderr}`));
    });
    assert.doesNotMatch(said, /Unknown keyword|unexpected|missing|invalid/i, said);
    // and it says what the importer assumes of it: no protocol means UDP, a DR fwmark destination has port 0
    assert.match(said, /\[10\.0\.0\.100\]:none:443: no protocol set - defaulting to UDP/, said);
    assert.match(said, /fwmark virtual server FWM 7, real server \[10\.0\.0\.11\]:none:53 has port specified - clearing/, said);
  });
});

describe('lvsctl import --ldirectord', () => {
  it('maps virtual/real/fallback, the http and dns negotiate checks, and reports the rest with file and line', async () => {
    let out = '';
    let err = '';
    const io: ImportIo = { out: (t) => { out += t; }, err: (t) => { err += t; }, read: (f) => readFile(f, 'utf8') };
    assert.strictEqual(await runImport({ ldirectord: path.join(FIXTURES, 'ldirectord.cf'), cluster: 'ld' }, io), 0);
    const plan = JSON.parse(out);
    assert.deepStrictEqual(validatePlan(plan).problems, []);
    assert.deepStrictEqual(plan.services[0], {
      name: 'tcp-10-0-0-100-80', protocol: 'tcp', vip: '10.0.0.100', port: 80, scheduler: 'wlc', persistence: { timeout: 600, netmask: '255.255.255.0' },
      forwarding: 'dr', realservers: [{ host: 'rs-10-0-0-11', weight: 2 }, { host: 'rs-10-0-0-12' }],
      healthCheck: { type: 'http', path: '/health.html', host: 'www.example.test', bodyRegex: 'Test Page', interval: '5s', timeout: '3s', rise: 1, fall: 2 },
      sorryServer: { address: '10.0.0.50', port: 80 },
    });
    assert.deepStrictEqual(plan.services[1].healthCheck, { type: 'dns', dns: { name: 'www.example.test', type: 'A', expect: ['10.0.0.100'] }, interval: '5s', timeout: '3s', rise: 1 });
    assert.strictEqual(plan.services[2].healthCheck, undefined);
    assert.match(err, /ldirectord\.cf:4: not carried over: autoreload=yes: a setting of ldirectord itself/);
    assert.match(err, /ldirectord\.cf:32: not carried over: service=mysql/);
    assert.match(err, /ldirectord\.cf:33: not carried over: login="check"/);
  });

  it('applies ldirectord\'s own defaults: the service from the port, a 10 s interval, the timeouts in its order, ping for UDP connect, off as weight 0', async () => {
    let out = '';
    let err = '';
    const io: ImportIo = { out: (t) => { out += t; }, err: (t) => { err += t; }, read: (f) => readFile(f, 'utf8') };
    assert.strictEqual(await runImport({ ldirectord: path.join(FIXTURES, 'ldirectord-defaults.cf'), cluster: 'ld' }, io), 0);
    const plan = JSON.parse(out);
    assert.deepStrictEqual(validatePlan(plan).problems, []);
    const byPort = new Map<number, { healthCheck?: unknown; realservers: { weight?: number }[] }>(plan.services.map((s: { port: number }) => [s.port, s]));
    assert.deepStrictEqual(byPort.get(80)?.healthCheck, { type: 'http', path: '/ping', bodyRegex: 'pong', interval: '10s', timeout: '7s', rise: 1 });
    assert.deepStrictEqual(byPort.get(443)?.healthCheck, { type: 'tcp', interval: '10s', timeout: '4s', rise: 1 });
    assert.match(err, /ldirectord-defaults\.cf:15: not carried over: connecttimeout=2: ldirectord refuses it as a configuration error/);
    assert.strictEqual(err.match(/connecttimeout/g)?.length, 1, err);
    assert.strictEqual(byPort.get(5353)?.healthCheck, undefined);
    assert.match(err, /ldirectord-defaults\.cf:\d+: not carried over: checktype=connect of a UDP service: ldirectord pings \(ICMP\)/);
    assert.strictEqual(byPort.get(21)?.healthCheck, undefined);
    assert.match(err, /not carried over: service=ftp \(ldirectord's default for port 21\): lvsctl negotiates http, https and dns only/);
    assert.strictEqual(byPort.get(8080)?.healthCheck, undefined);
    assert.doesNotMatch(err, /service=none/);
    assert.deepStrictEqual(byPort.get(25)?.realservers.map((r) => r.weight), [0]);
    assert.match(err, /ldirectord-defaults\.cf:\d+: checktype=off: ldirectord activates no realserver of this service; they are imported at weight 0/);
  });
});
