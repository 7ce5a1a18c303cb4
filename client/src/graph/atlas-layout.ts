// Pure maths of a layer's texture atlas: all C feature maps of a [C,H,W] activation on a near-square grid with a
// 1-texel gap, or — for 1-D layers [F] and 1×1 maps — one texel per value ("tiles"). No three.js here.

export interface AtlasLayout {
  mode: 'maps' | 'tiles';
  channels: number;
  /** size of one feature map in the source data */
  mapW: number;
  mapH: number;
  /** spatial subsampling (1 = every pixel); > 1 only when the atlas would exceed maxSize */
  stride: number;
  /** size of one map in the atlas (after stride) and the distance between maps (cell + gap) */
  cellW: number;
  cellH: number;
  pitchX: number;
  pitchY: number;
  cols: number;
  rows: number;
  width: number;
  height: number;
}

export interface AtlasHit {
  channel: number;
  /** pixel inside the source map */
  x: number;
  y: number;
}

/** Near-square grid [cols, rows] for n cells, cols ≥ rows. */
export function nearSquareGrid(n: number): [number, number] {
  const cols = Math.max(1, Math.ceil(Math.sqrt(n)));
  return [cols, Math.max(1, Math.ceil(n / cols))];
}

export function computeAtlasLayout(shape: readonly number[], maxSize = 4096, grid?: readonly [number, number]): AtlasLayout {
  const is1d = shape.length === 1;
  const channels = is1d ? shape[0] : shape[0] ?? 1;
  const mapH = is1d ? 1 : shape.length >= 3 ? shape[1] : 1;
  const mapW = is1d ? 1 : shape.length >= 3 ? shape[2] : shape[1] ?? 1;
  const tiles = is1d || mapW * mapH === 1;
  const [cols, rows] = grid && grid[0] * grid[1] >= channels ? grid : nearSquareGrid(channels);
  const gap = tiles ? 0 : 1;
  let stride = 1;
  while ((Math.ceil(mapW / stride) + gap) * cols > maxSize || (Math.ceil(mapH / stride) + gap) * rows > maxSize) stride++;
  const cellW = Math.ceil(mapW / stride);
  const cellH = Math.ceil(mapH / stride);
  const pitchX = cellW + gap;
  const pitchY = cellH + gap;
  return {
    mode: tiles ? 'tiles' : 'maps', channels, mapW, mapH, stride, cellW, cellH, pitchX, pitchY, cols, rows,
    width: cols * pitchX - gap, height: rows * pitchY - gap,
  };
}

/**
 * Copy a C×H×W (or F) uint8 activation into the atlas (row 0 = top of the panel). Gaps and unused cells keep
 * `background` (the layer's zero level) so mipmaps fade them to black. `order[k]` is the channel shown in grid
 * cell k (default: channel k).
 */
export function fillAtlas(
  layout: AtlasLayout, data: Uint8Array, out: Uint8Array, background: number, order?: ArrayLike<number>,
): void {
  out.fill(background);
  const { channels, mapW, mapH, stride, cellW, cellH, pitchX, pitchY, cols, width } = layout;
  const mapSize = mapW * mapH;
  for (let c = 0; c < channels; c++) {
    const ox = (c % cols) * pitchX;
    const oy = Math.floor(c / cols) * pitchY;
    const src = (order ? order[c] : c) * mapSize;
    if (stride === 1) {
      for (let y = 0; y < mapH; y++) {
        const row = src + y * mapW;
        out.set(data.subarray(row, row + mapW), (oy + y) * width + ox);
      }
    } else {
      for (let y = 0; y < cellH; y++) {
        const row = src + y * stride * mapW;
        const dst = (oy + y) * width + ox;
        for (let x = 0; x < cellW; x++) out[dst + x] = data[row + x * stride];
      }
    }
  }
}

/** Which channel and source pixel sits under atlas coordinates (u right, v up, both 0..1); null in gaps. */
export function atlasHit(layout: AtlasLayout, u: number, v: number, order?: ArrayLike<number>): AtlasHit | null {
  const px = Math.floor(u * layout.width);
  const py = Math.floor((1 - v) * layout.height);
  const col = Math.floor(px / layout.pitchX);
  const row = Math.floor(py / layout.pitchY);
  const ix = px - col * layout.pitchX;
  const iy = py - row * layout.pitchY;
  const channel = row * layout.cols + col;
  if (ix >= layout.cellW || iy >= layout.cellH || channel >= layout.channels || col >= layout.cols) return null;
  return { channel: order ? order[channel] : channel, x: Math.min(layout.mapW - 1, ix * layout.stride), y: Math.min(layout.mapH - 1, iy * layout.stride) };
}

/** Min and max uint8 level of one channel (for tooltips: decoded to a value range). */
export function channelLevelRange(layout: AtlasLayout, data: Uint8Array, channel: number): [number, number] {
  const size = layout.mode === 'tiles' ? 1 : layout.mapW * layout.mapH;
  let lo = 255;
  let hi = 0;
  for (let i = channel * size, end = i + size; i < end; i++) {
    const q = data[i];
    if (q < lo) lo = q;
    if (q > hi) hi = q;
  }
  return [lo, hi];
}
