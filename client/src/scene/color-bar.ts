// The activation colormap's legend: one bar from the layer's minimum to its maximum with the zero pivot marked,
// drawn on the info card and in the magnifier (both with a 2D canvas).

/** Same colormap as the panel shader, on the CPU: blue below the zero level, black at it, white above. */
export function colormap(q: number, zero: number): [number, number, number] {
  if (q < zero) {
    const t = (zero - q) / Math.max(zero, 1);
    return [0.25 * 255 * t, 0.52 * 255 * t, 255 * t];
  }
  const t = (q - zero) / Math.max(255 - zero, 1);
  return [255 * t, 255 * t, 255 * t];
}

export interface ColorBarLegend {
  min: number;
  max: number;
  /** where zero sits along the bar (0 = left end, 1 = right end), null if 0 is outside [min, max] */
  zeroAt: number | null;
}

/** The legend of a layer's uint8 levels: level 0 is `vmin`, 255 is `vmax`, `zeroLevel` encodes 0. */
export function colorBarLegend(vmin: number, vmax: number, zeroLevel: number): ColorBarLegend {
  return { min: vmin, max: vmax, zeroAt: vmin <= 0 && vmax >= 0 ? zeroLevel / 255 : null };
}

/** The bar (levels 0…255 left to right) and a tick at the zero pivot. */
export function drawColorBar(ctx: CanvasRenderingContext2D, x: number, y: number, w: number, h: number, zeroLevel: number,
  tick = '#ffb454'): void {
  const strip = ctx.createImageData(256, 1);
  for (let q = 0; q < 256; q++) strip.data.set([...colormap(q, zeroLevel), 255], q * 4);
  const tmp = document.createElement('canvas');
  tmp.width = 256;
  tmp.height = 1;
  tmp.getContext('2d')!.putImageData(strip, 0, 0);
  ctx.save();
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(tmp, x, y, w, h);
  ctx.restore();
  ctx.fillStyle = tick;
  ctx.fillRect(x + (zeroLevel / 255) * w - 1, y - 3, 2, h + 6);
}
