// Occlusion blocks in pixels of the network's input image (the server's `Block`): drawing one between two points,
// finding the block under a point, moving and resizing. Pure maths; points may lie outside the image (the server
// clips blocks to it).

export type Fill = 'black' | 'mean' | 'blur';
export const FILLS: readonly Fill[] = ['black', 'mean', 'blur'];

export interface Block {
  x: number;
  y: number;
  w: number;
  h: number;
  fill: Fill;
}

/** A point in input pixels (x right, y down), fractional. */
export type PixelPoint = readonly [number, number];

/** The block spanning two corner points (any order), whole pixels, at least 1 × 1. */
export function blockBetween(a: PixelPoint, b: PixelPoint, fill: Fill): Block {
  const x = Math.floor(Math.min(a[0], b[0]));
  const y = Math.floor(Math.min(a[1], b[1]));
  const w = Math.max(1, Math.ceil(Math.max(a[0], b[0])) - x);
  const h = Math.max(1, Math.ceil(Math.max(a[1], b[1])) - y);
  return { x, y, w, h, fill };
}

/** Index of the topmost (last drawn) block containing the point, or -1. */
export function blockAt(blocks: readonly Block[], p: PixelPoint): number {
  for (let i = blocks.length - 1; i >= 0; i--) {
    const b = blocks[i];
    if (p[0] >= b.x && p[0] <= b.x + b.w && p[1] >= b.y && p[1] <= b.y + b.h) return i;
  }
  return -1;
}

/** Whether the point is on the block's resize handle (its bottom right corner), within `reach` pixels. */
export function onHandle(block: Block, p: PixelPoint, reach: number): boolean {
  return Math.abs(p[0] - (block.x + block.w)) <= reach && Math.abs(p[1] - (block.y + block.h)) <= reach;
}

/** The block shifted by (dx, dy) pixels, rounded to whole pixels. */
export function moved(block: Block, dx: number, dy: number): Block {
  return { ...block, x: Math.round(block.x + dx), y: Math.round(block.y + dy) };
}

/** The block with its bottom right corner at the point (its top left stays; at least 1 × 1). */
export function resized(block: Block, p: PixelPoint): Block {
  return { ...block, w: Math.max(1, Math.round(p[0] - block.x)), h: Math.max(1, Math.round(p[1] - block.y)) };
}

export function sameBlocks(a: readonly Block[], b: readonly Block[]): boolean {
  return a.length === b.length && a.every((x, i) => {
    const y = b[i];
    return x.x === y.x && x.y === y.y && x.w === y.w && x.h === y.h && x.fill === y.fill;
  });
}
