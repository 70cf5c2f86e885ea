// A new message as pieces of an older one and a few new bytes: how the last-plan file keeps a
// re-apply that changed one weight in 2,000 services (a 660 KB request) as a few KB written,
// not the whole request again (last-plan.ts). Pure. Each run of the new message is compared
// with the old one at the same offset from its start and from its end, so a change in place (a
// weight, the generation) and a service added or removed (the rest shifted) both leave
// everything else a reference. A run is taken from the old message only where its bytes are
// equal, so a patch is exact whatever it finds.

/** A run of the old message ([offset, length]) or of the patch's own bytes ([-1, length]), in order. */
export type Segment = [number, number];

export interface BytePatch {
  segments: Segment[];
  /** the new bytes the [-1, length] segments take in turn */
  literal: Buffer;
}

/** The smallest run compared on its own: a weight changed costs about one of these of literal, plus the one holding the generation. */
const BLOCK_BYTES = 512;

/**
 * The new message as pieces of the old one and the rest literal. A run is compared whole
 * first (one native compare for 660 KB of unchanged services) and halved only where it
 * differs, down to BLOCK_BYTES: a few dozen compares for a weight, not one per block.
 */
export function patchOf(old: Buffer, next: Buffer): BytePatch {
  const shift = old.length - next.length;
  const segments: Segment[] = [];
  const literal: Buffer[] = [];
  const add = (offset: number, length: number): void => {
    const last = segments[segments.length - 1];
    if (last !== undefined && (offset < 0 ? last[0] < 0 : last[0] >= 0 && last[0] + last[1] === offset)) last[1] += length;
    else segments.push([offset, length]);
  };
  const equalAt = (from: number, at: number, end: number): boolean =>
    from >= 0 && from + end - at <= old.length && next.compare(old, from, from + end - at, at, end) === 0;
  const cover = (at: number, end: number): void => {
    if (at >= end) return;
    const from = equalAt(at, at, end) ? at : equalAt(at + shift, at, end) ? at + shift : undefined;
    if (from !== undefined) {
      add(from, end - at);
    } else if (end - at <= BLOCK_BYTES) {
      add(-1, end - at);
      literal.push(next.subarray(at, end));
    } else {
      // halved on a block boundary, so a change costs the same blocks wherever the halving starts
      const middle = at + Math.ceil((end - at) / 2 / BLOCK_BYTES) * BLOCK_BYTES;
      cover(at, middle);
      cover(middle, end);
    }
  };
  cover(0, next.length);
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
