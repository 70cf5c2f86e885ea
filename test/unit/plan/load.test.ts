import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatProblem } from '../../../controller/plan/errors';
import { MAX_PLAN_BYTES, loadPlanFile, readStdinBounded } from '../../../controller/plan/load';
import { Readable } from 'node:stream';
import { FIXTURES, basePlan, type Json } from './helpers';

describe('loading a plan file', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'lvsctl-load-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, text: string | Buffer): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const onlyProblem = async (path: string): Promise<string> => {
    const result = await loadPlanFile(path);
    assert.equal(result.ok, false);
    assert.equal(result.problems.length, 1, JSON.stringify(result.problems));
    return formatProblem('plan.json', result.problems[0]);
  };

  it('says a missing file does not exist', async () => {
    assert.match(await onlyProblem(join(dir, 'nope.json')), /^plan\.json: \/: no such file \(check the path/);
  });
  it('says a directory is a directory', async () => {
    assert.match(await onlyProblem(dir), /is a directory, not a plan file/);
  });
  it('refuses a named pipe at once, even one nobody writes to, and names - for standard input', async () => {
    const fifo = join(dir, 'plan.fifo');
    execFileSync('mkfifo', [fifo]);
    // opened blocking, this would wait for a writer until mocha's timeout
    assert.match(await onlyProblem(fifo), /is not a regular file \(give the path of a plan\.json file, or - to read the plan from standard input\)/);
  });
  it('says an empty file is empty, and so is one of whitespace', async () => {
    assert.match(await onlyProblem(write('empty.json', '')), /: is empty \(a plan starts with/);
    assert.match(await onlyProblem(write('blank.json', ' \n\t\n')), /: is empty/);
  });
  it('refuses a file over the size bound and says how to split it', async () => {
    const path = write('huge.json', Buffer.alloc(MAX_PLAN_BYTES + 1024, 0x20));
    assert.match(await onlyProblem(path), /is 32\.0 MiB, over the 32\.0 MiB a plan may be \(split the cluster/);
  });
  it('refuses standard input over the bound as "more than" it (not the bytes read so far), and one that is a directory', async () => {
    const big = await readStdinBounded(Readable.from([Buffer.alloc(MAX_PLAN_BYTES), Buffer.alloc(4 * 1024 * 1024)]), () => false);
    assert.ok('failure' in big);
    assert.match(formatProblem('-', big.failure.problems[0]), /^-: \/: is over the 32\.0 MiB a plan may be \(split/);
    const dir = await readStdinBounded(Readable.from([]), () => true);
    assert.ok('failure' in dir);
    assert.match(formatProblem('-', dir.failure.problems[0]), /^-: \/: is a directory, not a plan \(standard input\) \(give the plan\.json inside it/);
  });
  it('names line and column of bad JSON', async () => {
    const path = write('trailing.json', '{\n  "apiVersion": "lvsctl/v1",\n}\n');
    assert.match(await onlyProblem(path), /is not valid JSON: line 3, column 1: expected a "quoted" key.*remove the trailing comma/);
  });
  it('names line and column of a missing comma', async () => {
    const path = write('comma.json', '{\n  "a": 1\n  "b": 2\n}');
    assert.match(await onlyProblem(path), /line 3, column 3: expected "," or "}" after a value/);
  });
  it('says where a file is cut short', async () => {
    assert.match(await onlyProblem(write('short.json', '{"apiVersion": "lvsctl/v1", "hosts": {')), /line 1, column 39: expected a "quoted" key, found the end of the file/);
  });
  it('refuses a key given twice, which JSON.parse would silently drop', async () => {
    const text = JSON.stringify(basePlan()).replace('"marks":[]', '"marks":[],"marks":[]');
    const result = await loadPlanFile(write('dup.json', text));
    assert.equal(result.ok, false);
    assert.match(result.problems[0].message, /key "marks" is given twice/);
    assert.equal(result.problems[0].pointer, '/marks');
  });
  it('refuses a "__proto__" key, which would drop a host without a word, as written or spelt with escapes', async () => {
    const plain = JSON.stringify(basePlan()).replace('"hosts":{', '"hosts":{"__proto__":{"role":"director","address":"10.0.0.2"},');
    assert.match(await onlyProblem(write('proto.json', plain)), /^plan\.json: \/hosts\/__proto__: key "__proto__" is not a name lvsctl takes: .*dropped without a word \(rename it/);
    const escaped = JSON.stringify(basePlan()).replace('"hosts":{', '"hosts":{"\\u005f_proto__":{},');
    assert.match(await onlyProblem(write('escaped.json', escaped)), /^plan\.json: \/hosts\/__proto__: key "__proto__"/);
    // inside a fixed object the schema names it already, as any unknown key: once
    const inHost = JSON.stringify(basePlan()).replace('"web1":{', '"web1":{"__proto__":{},');
    assert.match(await onlyProblem(write('in-host.json', inHost)), /^plan\.json: \/hosts\/web1\/__proto__: unknown key "__proto__"/);
  });
  it('accepts a UTF-8 byte order mark', async () => {
    const result = await loadPlanFile(write('bom.json', '\ufeff' + JSON.stringify(basePlan())));
    assert.ok(result.ok);
  });
  it('loads a valid fixture', async () => {
    const result = await loadPlanFile(join(FIXTURES, 'shop.json'));
    assert.ok(result.ok);
    assert.equal(result.plan.services.length, 3);
  });

  it('validates a plan with 10,000 services quickly (no rule is quadratic)', async function () {
    this.timeout(60_000);
    const services: Json[] = [];
    const marks: Json[] = [];
    for (let i = 0; i < 10_000; i++) {
      if (i % 2 === 0) {
        services.push({ name: `s${i}`, vip: `10.${(i >> 8) & 255}.${i & 255}.1`, port: 80, realservers: [{ host: 'web1' }, { host: 'web2' }] });
      } else {
        services.push({ name: `s${i}`, fwmark: i, persistence: { timeout: 60 }, realservers: [{ host: 'web1' }] });
        marks.push({ mark: i, protocol: 'tcp', destination: '10.0.0.100', ports: [String(i)] });
      }
    }
    const path = write('big.json', JSON.stringify({ ...basePlan(), services, marks }));
    const started = Date.now();
    const result = await loadPlanFile(path);
    const elapsed = Date.now() - started;
    assert.deepEqual(result.problems, []);
    // Measured at ~1 s on a loaded 2-core machine; an O(n^2) rule over 10,000 services
    // and 5,000 marks (tens of millions of steps per rule) would blow well past this.
    assert.ok(elapsed < 10_000, `took ${elapsed} ms`);
  });
});
