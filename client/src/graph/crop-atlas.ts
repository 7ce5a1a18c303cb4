// Pure maths of a precomputed crop atlas (`GET …/layers/{lid}/topk.png`, precompute/results.py crop_atlas): each
// channel's top dataset crop as a square tile on the layer's near-square [cols, rows] grid, 1-px gaps between.

/** Side of one tile in pixels; throws when the image does not hold `channels` square tiles on that grid. */
export function cropTile(width: number, height: number, grid: readonly [number, number], channels: number): number {
  const [cols, rows] = grid;
  const tile = (width + 1) / cols - 1;
  if (!Number.isInteger(tile) || tile < 1 || rows * (tile + 1) - 1 !== height || cols * rows < channels) {
    throw new Error(`the crop atlas (${width}×${height}) does not hold ${channels} square tiles on a ${cols}×${rows} grid`);
  }
  return tile;
}

/** Top-left pixel (x right, y down) of channel `channel`'s tile. */
export function cropTileOrigin(channel: number, cols: number, tile: number): [number, number] {
  return [(channel % cols) * (tile + 1), Math.floor(channel / cols) * (tile + 1)];
}
