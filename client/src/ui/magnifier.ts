import { decodeLevel } from '../api/activation-format';
import type { LayerActivation } from '../api/types';
import { el } from './dom';
import { colorBarLegend, colormap, drawColorBar } from '../scene/color-bar';
import { formatValue } from '../scene/text';


export interface Magnifier {
  open(title: string, activation: LayerActivation, channel: number): void;
  close(): void;
  readonly isOpen: boolean;
}

/** Magnified view of one feature map with its decoded values (hover readout; numbers in cells when small). */
export function createMagnifier(parent: HTMLElement): Magnifier {
  const box = el('div', 'lw-magnifier', parent);
  box.id = 'lw-magnifier';
  box.hidden = true;
  const head = el('div', 'lw-mag-head', box);
  const title = el('span', '', head);
  const close = el('button', 'lw-close', head, '×');
  const canvas = el('canvas', '', box);
  const readout = el('div', 'lw-mag-readout', box);
  // the legend: the layer's colour bar from its minimum to its maximum, zero marked
  const legend = el('div', 'lw-mag-legend', box);
  const legendMin = el('span', 'lw-legend-min', legend);
  const bar = el('canvas', 'lw-colorbar', legend);
  const legendMax = el('span', 'lw-legend-max', legend);
  const legendZero = el('div', 'lw-legend-zero', box);
  bar.width = 256;
  bar.height = 14;
  let current: { a: LayerActivation; channel: number; w: number; h: number } | null = null;
  close.addEventListener('click', () => magnifier.close());
  window.addEventListener('keydown', (e) => e.key === 'Escape' && magnifier.close());
  canvas.addEventListener('mousemove', (e) => {
    if (!current) return;
    const { a, channel, w, h } = current;
    const x = Math.floor((e.offsetX / canvas.clientWidth) * w);
    const y = Math.floor((e.offsetY / canvas.clientHeight) * h);
    if (x < 0 || y < 0 || x >= w || y >= h) return;
    const q = a.data[channel * w * h + y * w + x];
    readout.textContent = `(${x}, ${y}) = ${decodeLevel(q, a.vmin, a.vmax).toPrecision(4)}`;
  });

  const magnifier: Magnifier = {
    get isOpen() {
      return !box.hidden;
    },
    open(text, a, channel) {
      const [h, w] = a.shape.length >= 3 ? [a.shape[1], a.shape[2]] : [1, a.shape.length === 1 ? 1 : a.shape[1] ?? 1];
      current = { a, channel, w, h };
      const scale = Math.max(1, Math.floor(Math.min(480 / w, 480 / h)));
      canvas.width = w * scale;
      canvas.height = h * scale;
      const ctx = canvas.getContext('2d')!;
      const img = ctx.createImageData(w, h);
      let lo = 255;
      let hi = 0;
      for (let i = 0; i < w * h; i++) {
        const q = a.data[channel * w * h + i];
        lo = Math.min(lo, q);
        hi = Math.max(hi, q);
        const [r, g, b] = colormap(q, a.zero_level);
        img.data.set([r, g, b, 255], i * 4);
      }
      const tmp = document.createElement('canvas');
      tmp.width = w;
      tmp.height = h;
      tmp.getContext('2d')!.putImageData(img, 0, 0);
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(tmp, 0, 0, canvas.width, canvas.height);
      if (w * h <= 256) paintValues(ctx, a, channel, w, h, scale);
      const range = `[${decodeLevel(lo, a.vmin, a.vmax).toPrecision(3)}, ${decodeLevel(hi, a.vmin, a.vmax).toPrecision(3)}]`;
      title.textContent = `${text} · channel ${channel} · ${w}×${h} · range ${range}`;
      const lg = colorBarLegend(a.vmin, a.vmax, a.zero_level);
      const barCtx = bar.getContext('2d')!;
      barCtx.clearRect(0, 0, bar.width, bar.height);
      drawColorBar(barCtx, 0, 3, bar.width, bar.height - 6, a.zero_level);
      legendMin.textContent = formatValue(lg.min);
      legendMax.textContent = formatValue(lg.max);
      legendZero.textContent = lg.zeroAt === null ? 'layer colours: blue < 0 < white (0 is outside this range)'
        : 'layer colours: blue = negative · black = 0 (orange tick) · white = positive';
      legend.dataset.min = String(lg.min);
      legend.dataset.max = String(lg.max);
      legend.dataset.zeroAt = String(lg.zeroAt);
      readout.textContent = 'hover for values';
      box.hidden = false;
      document.exitPointerLock?.();
    },
    close() {
      box.hidden = true;
      current = null;
    },
  };
  return magnifier;
}

function paintValues(ctx: CanvasRenderingContext2D, a: LayerActivation, channel: number, w: number, h: number, scale: number): void {
  ctx.font = `${Math.max(9, Math.floor(scale / 4))}px monospace`;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const q = a.data[channel * w * h + y * w + x];
      ctx.fillStyle = q > a.zero_level + 90 ? '#000' : '#ffb454';
      ctx.fillText(decodeLevel(q, a.vmin, a.vmax).toPrecision(2), (x + 0.5) * scale, (y + 0.5) * scale);
    }
  }
}
