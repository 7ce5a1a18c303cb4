// Several networks stand side by side: each network's layout is in its own frame; shift them along x so their
// bounding boxes do not overlap.

export interface XBounds {
  minX: number;
  maxX: number;
}

/** x offset of each network so that they are placed left to right with `gap` metres in between. */
export function networkOffsets(bounds: readonly XBounds[], gap = 6): number[] {
  const offsets: number[] = [];
  let cursor = 0;
  for (const [i, b] of bounds.entries()) {
    const offset = i === 0 ? 0 : cursor - b.minX + gap;
    offsets.push(offset);
    cursor = b.maxX + offset;
  }
  return offsets;
}
