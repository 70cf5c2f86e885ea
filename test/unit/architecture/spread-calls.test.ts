// No spread argument in a call (`list.push(...items)`, `Math.max(...values)`) in the programs'
// sources: each item becomes an argument on the stack, and past about 100,000 of them (the
// 220,000 ipvsadm lines `lvsctl render` makes of a 20,000-service table, a status of it, the
// notes of a large keepalived.conf) the call throws "Maximum call stack size exceeded". A
// list is appended with appendAll and its largest taken with maxOf (lvs/append.ts).
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import { appendAll, maxOf } from '../../../lvs/append';
import { ROOT, sourcesUnder } from './sources';

/** "file:line: callee(...argument)" for each spread argument of a call or `new` in the text. */
function spreadCalls(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isSpreadElement(node) && (ts.isCallExpression(node.parent) || ts.isNewExpression(node.parent))) {
      const { line } = source.getLineAndCharacterOfPosition(node.getStart());
      found.push(`${file}:${line + 1}: ${node.parent.expression.getText()}(...${node.expression.getText()})`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('spread calls (lvs/append.ts)', () => {
  const files = ['lvs', 'agent', 'controller'].flatMap(sourcesUnder);

  it('finds the sources it checks', () => {
    assert.ok(files.length > 300, `only ${files.length} sources found under ${ROOT}`);
  });

  it('no call in lvs/, agent/ or controller/ takes a list spread into its arguments', () => {
    const found = files.flatMap((file) => spreadCalls(file, readFileSync(path.join(ROOT, file), 'utf8')));
    assert.deepStrictEqual(found, [], `use appendAll or maxOf (lvs/append.ts) instead:\n${found.join('\n')}`);
  });

  it('names a spread call when there is one, and not an array or object spread', () => {
    const text = 'const a = [...b];\nconst o = { ...p };\nlines.push(...more);\nMath.max(0, ...widths);\n';
    assert.deepStrictEqual(spreadCalls('x.ts', text), ['x.ts:3: lines.push(...more)', 'x.ts:4: Math.max(...widths)']);
  });

  it('appendAll and maxOf take 300,000 items, where a spread call throws', () => {
    const many = Array.from({ length: 300_000 }, (_, i) => i);
    assert.throws(() => [].push(...(many as never[])), RangeError);
    const target = [-1];
    assert.strictEqual(appendAll(target, many), target);
    assert.deepStrictEqual([target.length, target[0], target[300_000]], [300_001, -1, 299_999]);
    assert.strictEqual(maxOf(many), 299_999);
    assert.strictEqual(maxOf([], 4), 4);
    assert.strictEqual(maxOf([2, 9, 3], 4), 9);
  });
});
