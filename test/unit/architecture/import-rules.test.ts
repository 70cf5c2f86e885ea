// The import rule of docs/architecture.md, checked on the sources: lvs/ (the shared
// vocabulary) imports neither program; controller/ and agent/ import only lvs/, proto/ and
// themselves; inside each program, imports run downward only.
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { ROOT, sourcesUnder } from './sources';

interface Import {
  from: string;
  /** the imported file, relative to the repository root, without extension */
  to: string;
}

/** Every relative import (static, type-only, dynamic or require) of a source file. */
function importsOf(file: string): Import[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  const found: Import[] = [];
  for (const match of text.matchAll(/(?:\bfrom|\bimport|\brequire)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
    found.push({ from: file, to: path.normalize(path.join(path.dirname(file), match[1])) });
  }
  return found;
}

/** The part of the tree a file belongs to: "lvs", "proto", or "agent/<folder>" / "controller/<folder>". */
function partOf(file: string): string {
  const [top, second] = file.split(path.sep);
  if (top !== 'agent' && top !== 'controller') return top;
  if (second === undefined || /\.ts$/.test(second) || !existsSync(path.join(ROOT, top, second)) || !statSync(path.join(ROOT, top, second)).isDirectory()) {
    return `${top}/${(second ?? '').replace(/\.ts$/, '')}`;
  }
  return `${top}/${second}`;
}

/** Higher imports lower; equal ranks are siblings and do not import each other. */
const AGENT_LAYERS: Record<string, number> = {
  'agent/main': 9,
  'agent/program': 8,
  'agent/start': 7,
  'agent/command-line': 7,
  'agent/server': 6,
  'agent/health': 5,
  'agent/metrics': 4,
  'agent/director': 3,
  'agent/realserver': 3,
  'agent/state': 2,
  'agent/kernel': 1,
  'agent/clock': 0,
  'agent/logging': 0,
  'agent/lazy-schema': 0,
  'agent/gc-clock': 0,
  'agent/idle-collect': 0,
  'agent/work-cost': 0,
  'agent/optimizing-compiler': 0,
  'agent/journal': -1,
  'agent/service-manager': 0,
};

type Rule = (i: Import) => string | undefined;

const vocabularyStaysapart: Rule = (i) =>
  i.from.startsWith('lvs') && !['lvs', 'proto'].includes(partOf(i.to)) ? 'the shared vocabulary imports neither program' : undefined;

const programsMeetInLvs: Rule = (i) => {
  const [from, to] = [i.from.split(path.sep)[0], i.to.split(path.sep)[0]];
  if (from === 'lvs' || to === from || to === 'lvs' || to === 'proto') return undefined;
  return `${from}/ must not reach into ${to}/: move what both need into lvs/`;
};

const CONTROLLER_LAYERS: Record<string, number> = {
  'controller/cli': 6,
  'controller/fleet': 5,
  'controller/report': 4,
  'controller/bootstrap': 4,
  'controller/rollout': 3,
  'controller/client': 2,
  'controller/inventory': 2,
  'controller/render': 2,
  'controller/import': 2,
  'controller/certs': 2,
  'controller/plan': 1,
  'controller/exit-codes': 0,
};

/** Inside one program, an import goes from a higher layer to a strictly lower one. */
function downwardIn(program: 'agent' | 'controller', layers: Record<string, number>): Rule {
  return (i) => {
    if (!i.from.startsWith(program) || !i.to.startsWith(program)) return undefined;
    const [from, to] = [partOf(i.from), partOf(i.to)];
    if (from === to) return undefined;
    const [high, low] = [layers[from], layers[to]];
    if (high === undefined || low === undefined) return `${from} or ${to} has no layer: add it to the layers here and in docs/architecture.md`;
    return low < high ? undefined : `${from} (layer ${high}) may import only lower layers, not ${to} (layer ${low})`;
  };
}

const controllerImportsDownward = downwardIn('controller', CONTROLLER_LAYERS);
const agentImportsDownward = downwardIn('agent', AGENT_LAYERS);

const ALL = ['lvs', 'agent', 'controller'].flatMap(sourcesUnder).flatMap(importsOf);

function violations(rule: Rule): string[] {
  return ALL.flatMap((i) => {
    const why = rule(i);
    return why ? [`${i.from} imports ${i.to}: ${why}`] : [];
  });
}

const imp = (from: string, to: string): Import => ({ from: path.join(...from.split('/')), to: path.join(...to.split('/')) });

describe('the import rule (docs/architecture.md)', () => {
  it('finds the sources it checks', () => {
    assert.ok(ALL.length > 500, `only ${ALL.length} imports found under ${ROOT}`);
  });

  it('lvs/ imports only lvs/ and proto/', () => {
    assert.deepEqual(violations(vocabularyStaysapart), []);
  });

  it('controller/ and agent/ import only lvs/, proto/ and themselves', () => {
    assert.deepEqual(violations(programsMeetInLvs), []);
  });

  it('inside agent/, imports run downward only', () => {
    assert.deepEqual(violations(agentImportsDownward), []);
  });

  it('inside controller/, imports run downward only', () => {
    assert.deepEqual(violations(controllerImportsDownward), []);
  });

  it('names a forbidden import when there is one', () => {
    assert.match(controllerImportsDownward(imp('controller/report/status-table.ts', 'controller/fleet/ask-agents')) ?? '', /controller\/report \(layer 4\) may import only lower layers, not controller\/fleet/);
    assert.match(agentImportsDownward(imp('agent/kernel/ipvs.ts', 'agent/director/operations')) ?? '', /agent\/kernel \(layer 1\) may import only lower layers, not agent\/director/);
    assert.match(agentImportsDownward(imp('agent/director/applier.ts', 'agent/realserver/checks')) ?? '', /may import only lower layers/);
    assert.match(programsMeetInLvs(imp('controller/cli/status.ts', 'agent/server/status-source')) ?? '', /controller\/ must not reach into agent\//);
    assert.match(vocabularyStaysapart(imp('lvs/model.ts', 'agent/kernel/ipvs')) ?? '', /imports neither program/);
    assert.equal(agentImportsDownward(imp('agent/director/applier.ts', 'agent/kernel/ipvs')), undefined);
  });
});
