// A new message as pieces of an older one and a few new bytes: how the last-plan file keeps a
// re-apply that changed one weight in 2,000 services (a 660 KB request) as a few KB written,
// not the whole request again (last-plan.ts). Pure. The pieces are found block by block, each
// block of the new message compared with the old one at the same offset from its start and
// from its end, so a change in place (a weight, the generation) and a service added or removed
// (the rest shifted) both leave everything else a reference. A block is taken from the old
// message only where its bytes are equal, so a patch is exact whatever it finds.

/** A run of the old message ([offset, length]) or of the patch's own bytes ([-1, length]), in order. */
export type Segment = [number, number];

export interface BytePatch {
  segments: Segment[];
  /** the new bytes the [-1, length] segments take in turn */
  literal: Buffer;
}

/** Bytes compared at a time: a weight changed costs one block of literal, plus the block holding the generation. */
const BLOCK_BYTES = 512;

/** The new message as pieces of the old one and the rest literal. */
export function patchOf(old: Buffer, next: Buffer): BytePatch {
  const shift = old.length - next.length;
  const segments: Segment[] = [];
  const literal: Buffer[] = [];
  const add = (offset: number, length: number): void => {
    const last = segments[segments.length - 1];
    if (last !== undefined && (offset < 0 ? last[0] < 0 : last[0] >= 0 && last[0] + last[1] === offset)) last[1] += length;
    else segments.push([offset, length]);
  };
  for (let at = 0; at < next.length; at += BLOCK_BYTES) {
    const end = Math.min(next.length, at + BLOCK_BYTES);
    const from = [at, at + shift].find((o) => o >= 0 && o + end - at <= old.length && next.compare(old, o, o + end - at, at, end) === 0);
    if (from !== undefined) {
      add(from, end - at);
    } else {
      add(-1, end - at);
      literal.push(next.subarray(at, end));
    }
  }
  return { segments, literal: Buffer.concat(literal) };
}

/** How many of the new message's bytes the patch carries itself. */
export function literalBytes(patch: BytePatch): number {
  return patch.literal.length;
}

/** The new message again; throws (with what is wrong) when the pieces do not fit the old message or the bytes. */
export function applyPatch(old: Buffer, patch: BytePatch): Buffer {
  const parts: Buffer[] = [];
  let taken = 0;
  for (const segment of patch.segments) {
    if (!Array.isArray(segment) || segment.length !== 2 || !segment.every((n) => Number.isSafeInteger(n))) throw new Error('a segment is not [offset, length]');
    const [offset, length] = segment;
    if (length < 0) throw new Error(`a segment has a negative length (${length})`);
    if (offset < 0) {
      if (taken + length > patch.literal.length) throw new Error(`its segments take ${taken + length} new bytes, it holds ${patch.literal.length}`);
      parts.push(patch.literal.subarray(taken, taken + length));
      taken += length;
    } else {
      if (offset + length > old.length) throw new Error(`a segment [${offset}, ${length}] passes the end of the ${old.length}-byte plan it patches`);
      parts.push(old.subarray(offset, offset + length));
    }
  }
  if (taken !== patch.literal.length) throw new Error(`its segments take ${taken} new bytes, it holds ${patch.literal.length}`);
  return Buffer.concat(parts);
}
