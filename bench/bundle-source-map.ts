// A profile of the agent run from its bundle (dist/agent-bundle/lvsctl-agent.js, whitespace
// minified: a few long lines) names every frame "lvsctl-agent.js:46", which says nothing of
// where the time went. The bundle is built with an external source map beside it
// (scripts/package/dist-bundles.ts), chained through tsc's own maps, so each frame is put back
// at its TypeScript source file and line before the profile is summed up.
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

interface Frame {
  url: string;
  lineNumber: number;
  columnNumber?: number;
}

/** The path of a frame's script, or undefined for node's own and native frames. */
function scriptPath(url: string): string | undefined {
  if (url.startsWith('file://')) return fileURLToPath(url);
  return url.startsWith('/') ? url : undefined;
}

/**
 * Puts every frame of a bundle that has a `.map` beside it back in its source file and line,
 * in place. Frames of scripts without a map are left as they are; returns how many moved.
 */
export function remapBundleFrames(nodes: ReadonlyArray<{ callFrame: Frame }>): number {
  const maps = new Map<string, SourceMap | undefined>();
  let moved = 0;
  for (const { callFrame } of nodes) {
    const path = scriptPath(callFrame.url);
    if (path === undefined || callFrame.columnNumber === undefined) continue;
    if (!maps.has(path)) maps.set(path, loadMap(path));
    const map = maps.get(path);
    if (!map) continue;
    const entry = map.findEntry(callFrame.lineNumber, callFrame.columnNumber) as { originalSource?: string; originalLine?: number; originalColumn?: number };
    if (entry.originalSource === undefined || entry.originalLine === undefined) continue;
    callFrame.url = scriptPath(entry.originalSource) ?? resolve(dirname(path), entry.originalSource);
    callFrame.lineNumber = entry.originalLine;
    callFrame.columnNumber = entry.originalColumn ?? 0;
    moved += 1;
  }
  return moved;
}

function loadMap(path: string): SourceMap | undefined {
  const file = `${path}.map`;
  if (!existsSync(file)) return undefined;
  try {
    return new SourceMap(JSON.parse(readFileSync(file, 'utf8')) as SourceMapPayload);
  } catch {
    return undefined; // a map that does not parse: the frames keep the bundle's lines
  }
}
