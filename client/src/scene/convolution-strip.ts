import { decodeLevel } from '../api/activation-format';
import type { LayerActivation } from '../api/types';
import { createShownPanel, paintCard } from './canvas-panel';
import type { ShownPanel } from './canvas-panel';
import { COLORS, FONT, fitText } from './text';

/** ConvViz's first-layer view of one feature map: weights → convolution → + bias → activation (the layer's output). */
export interface ConvolutionSteps {
  layer: string;
  channel: number;
  kernel: LayerActivation;
  convolved: LayerActivation;
  biased: LayerActivation;
  output: LayerActivation;
  bias: number;
  batchNorm: boolean;
}

export type ConvolutionStrip = ShownPanel<ConvolutionSteps>;

const W = 1024;
const H = 320;
const BOX = 200;
export const STRIP_WORLD = { width: 1.4, height: (1.4 * H) / W };

export function createConvolutionStrip(): ConvolutionStrip {
  return createShownPanel('convolution-strip', W, H, STRIP_WORLD, paint);
}

function paint(ctx: CanvasRenderingContext2D, s: ConvolutionSteps): void {
  const title = `${s.layer} · map ${s.channel}: weights → convolution → + bias → output`;
  paintCard(ctx, W, H, { radius: 18, inset: 2, font: `bold 26px ${FONT}`, title, x: 20, y: 38, maxWidth: W - 40 });
  const biasLabel = s.batchNorm ? `+ bias ${s.bias.toFixed(3)}, batch norm` : `+ bias ${s.bias.toFixed(3)}`;
  const items: [string, LayerActivation, boolean][] = [
    ['weights', s.kernel, true], ['convolution', s.convolved, false], [biasLabel, s.biased, false], ['output (activation)', s.output, false],
  ];
  items.forEach(([label, a, isKernel], i) => {
    const x = 24 + i * (BOX + 52);
    ctx.drawImage(isKernel ? kernelImage(a) : coolwarm(a), x, 60, BOX, BOX);
    ctx.fillStyle = COLORS.dim;
    ctx.font = `20px ${FONT}`;
    fitText(ctx, label, x, 60 + BOX + 30, BOX + 40);
    if (i < items.length - 1) {
      ctx.fillStyle = COLORS.accent;
      ctx.font = `bold 34px ${FONT}`;
      ctx.fillText('→', x + BOX + 10, 60 + BOX / 2 + 12);
    }
  });
}

/** (in, kh, kw): RGB for three input channels (grey at zero), else the mean over inputs in coolwarm. */
function kernelImage(a: LayerActivation): HTMLCanvasElement {
  const [inputs, kh, kw] = a.shape;
  const values = Array.from(a.data, (q) => decodeLevel(q, a.vmin, a.vmax));
  const m = Math.max(1e-12, Math.abs(a.vmin), Math.abs(a.vmax));
  const c = document.createElement('canvas');
  c.width = kw;
  c.height = kh;
  const cx = c.getContext('2d')!;
  const img = cx.createImageData(kw, kh);
  for (let p = 0; p < kh * kw; p++) {
    for (let i = 0; i < 3; i++) {
      const v = inputs === 3 ? values[i * kh * kw + p] : values.filter((_, j) => j % (kh * kw) === p).reduce((s, x) => s + x, 0) / inputs;
      img.data[p * 4 + i] = Math.round(255 * (0.5 + v / (2 * m)));
    }
    img.data[p * 4 + 3] = 255;
  }
  cx.putImageData(img, 0, 0);
  return sharp(c);
}

/** A (1, H, W) map: blue below zero, white at zero, red above ("coolwarm"), symmetric range. */
function coolwarm(a: LayerActivation): HTMLCanvasElement {
  const [, h, w] = a.shape;
  const m = Math.max(1e-12, Math.abs(a.vmin), Math.abs(a.vmax));
  const c = document.createElement('canvas');
  c.width = w;
  c.height = h;
  const cx = c.getContext('2d')!;
  const img = cx.createImageData(w, h);
  for (let p = 0; p < w * h; p++) {
    const v = decodeLevel(a.data[p], a.vmin, a.vmax) / m;
    const t = Math.min(1, Math.abs(v));
    const [r, g, b] = v >= 0 ? [255, 255 * (1 - t), 255 * (1 - t)] : [255 * (1 - t), 255 * (1 - t * 0.6), 255];
    img.data.set([r, g, b, 255], p * 4);
  }
  cx.putImageData(img, 0, 0);
  return sharp(c);
}

/** Upscaled without smoothing, so a 7×7 kernel stays 49 squares. */
function sharp(src: HTMLCanvasElement): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.width = BOX;
  c.height = BOX;
  const cx = c.getContext('2d')!;
  cx.imageSmoothingEnabled = false;
  cx.drawImage(src, 0, 0, BOX, BOX);
  return c;
}
