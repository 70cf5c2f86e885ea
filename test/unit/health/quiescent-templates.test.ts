import assert from 'assert';
import { EXPIRE_QUIESCENT_TEMPLATE, ensureExpireQuiescentTemplate, type ProcFiles } from '../../../agent/health/quiescent-templates';

function fakeProc(initial: Record<string, string>, options: { readOnly?: boolean } = {}): ProcFiles & { files: Map<string, string> } {
  const files = new Map(Object.entries(initial));
  return {
    files,
    read: async (path) => {
      const v = files.get(path);
      if (v === undefined) throw new Error(`ENOENT: no such file or directory, open '${path}'`);
      return v;
    },
    write: async (path, value) => {
      if (options.readOnly) throw new Error(`EACCES: permission denied, open '${path}'`);
      files.set(path, value);
    },
  };
}

describe('expire_quiescent_template', () => {
  it('sets it to 1 when it is 0', async () => {
    const proc = fakeProc({ [EXPIRE_QUIESCENT_TEMPLATE]: '0\n' });
    const out = await ensureExpireQuiescentTemplate(proc);
    assert.deepStrictEqual(out, { path: EXPIRE_QUIESCENT_TEMPLATE, before: '0', changed: true });
    assert.strictEqual(proc.files.get(EXPIRE_QUIESCENT_TEMPLATE), '1\n');
  });

  it('leaves it alone when it is already 1', async () => {
    const proc = fakeProc({ [EXPIRE_QUIESCENT_TEMPLATE]: '1\n' }, { readOnly: true });
    assert.strictEqual((await ensureExpireQuiescentTemplate(proc)).changed, false);
  });

  it('says to load ip_vs when the file is missing', async () => {
    await assert.rejects(ensureExpireQuiescentTemplate(fakeProc({})), /expire_quiescent_template .*ENOENT.*modprobe ip_vs/);
  });

  it('says how to set it by hand when it cannot write', async () => {
    await assert.rejects(
      ensureExpireQuiescentTemplate(fakeProc({ [EXPIRE_QUIESCENT_TEMPLATE]: '0' }, { readOnly: true })),
      /must run as root; or set it yourself: sysctl -w net\.ipv4\.vs\.expire_quiescent_template=1/,
    );
  });
});
