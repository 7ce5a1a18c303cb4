import { Group, Mesh, Plane, Vector2, Vector3 } from 'three';
import type { Ray } from 'three';
import { createCanvasPanel } from '../scene/canvas-panel';
import type { CanvasPanel } from '../scene/canvas-panel';
import { COLORS, FONT, MONO, fitText, formatValue, roundRect } from '../scene/text';
import type { Axis } from './chart-data';

/** canvas pixels per metre of a chart (text stays sharp at a reading distance of ~1.5 m) */
const PX_PER_M = 520;
const MARGIN = { left: 64, right: 14, top: 40, bottom: 40 };

/**
 * The board a chart is drawn on: a canvas-drawn background (title, axes, ticks, status; one draw call) and a
 * `plot` group in front of it whose local (0..1, 0..1) is the plot area, for the chart's own points or bars.
 */
export interface ChartFrame {
  readonly object: Mesh;
  readonly plot: Group;
  readonly size: Vector2;
  /** plot coordinates (0..1) under a uv of the background; null outside the plot area */
  plotAt(uv: Vector2): Vector2 | null;
  /** plot coordinates where a ray crosses the chart's plane (drags continue beyond the board) */
  plotAlong(ray: Ray): Vector2 | null;
  /** world point of plot coordinates */
  worldOf(fx: number, fy: number, out: Vector3): Vector3;
  setAxes(title: string, x: Axis | null, y: Axis | null, legend: string): void;
  setStatus(text: string): void;
  /** extra drawing in plot coordinates on top of the axes (labels of points); repainted with the rest */
  setOverlay(paint: ((ctx: CanvasRenderingContext2D, toPx: (fx: number, fy: number) => [number, number]) => void) | null): void;
  dispose(): void;
}

const _plane = new Plane();
const _p = new Vector3();
const _n = new Vector3();

export function createChartFrame(name: string, width: number, height: number, repaintSoon: (panel: CanvasPanel) => void): ChartFrame {
  const W = Math.round(width * PX_PER_M);
  const H = Math.round(height * PX_PER_M);
  const box = { x0: MARGIN.left, y0: MARGIN.top, x1: W - MARGIN.right, y1: H - MARGIN.bottom };
  let title = name;
  let axes: [Axis | null, Axis | null] = [null, null];
  let legend = '';
  let status = '';
  let overlay: Parameters<ChartFrame['setOverlay']>[0] = null;
  const toPx = (fx: number, fy: number): [number, number] => [box.x0 + fx * (box.x1 - box.x0), box.y1 - fy * (box.y1 - box.y0)];
  const canvas: CanvasPanel = createCanvasPanel(W, H, { width, height }, () => paint(canvas.ctx));
  const paint = (ctx: CanvasRenderingContext2D) => {
    ctx.clearRect(0, 0, W, H);
    ctx.fillStyle = COLORS.card;
    roundRect(ctx, 1, 1, W - 2, H - 2, 12);
    ctx.fill();
    ctx.strokeStyle = COLORS.cardEdge;
    ctx.lineWidth = 1.5;
    ctx.stroke();
    ctx.fillStyle = 'rgba(255,255,255,0.04)';
    ctx.fillRect(box.x0, box.y0, box.x1 - box.x0, box.y1 - box.y0);
    ctx.fillStyle = COLORS.text;
    ctx.font = `600 17px ${FONT}`;
    fitText(ctx, title, 12, 25, W - 24);
    paintAxes(ctx, axes, box);
    ctx.font = `12px ${FONT}`;
    ctx.fillStyle = COLORS.dim;
    ctx.textAlign = 'right';
    fitText(ctx, legend, W - 12, H - 10, W * 0.5);
    ctx.textAlign = 'left';
    if (status) {
      ctx.fillStyle = COLORS.accent;
      ctx.font = `600 15px ${FONT}`;
      fitText(ctx, status, box.x0 + 10, box.y0 + 24, box.x1 - box.x0 - 20);
    }
    if (overlay) overlay(ctx, toPx);
  };
  const mesh = canvas.mesh;
  mesh.name = `chart:${name}`;
  const plot = new Group();
  plot.position.set(box.x0 / W * width - width / 2, height / 2 - box.y1 / H * height, 0.004);
  plot.scale.set(((box.x1 - box.x0) / W) * width, ((box.y1 - box.y0) / H) * height, 1);
  mesh.add(plot);
  const invalidate = () => {
    canvas.invalidate();
    repaintSoon(canvas);
  };
  const fromUv = (u: number, v: number) => {
    const fx = (u * W - box.x0) / (box.x1 - box.x0);
    const fy = ((1 - v) * H - box.y1) / (box.y0 - box.y1);
    return new Vector2(fx, fy);
  };
  invalidate();
  return {
    object: mesh, plot, size: new Vector2(width, height),
    plotAt(uv) {
      const f = fromUv(uv.x, uv.y);
      return f.x >= 0 && f.x <= 1 && f.y >= 0 && f.y <= 1 ? f : null;
    },
    plotAlong(ray) {
      mesh.updateMatrixWorld();
      _n.set(0, 0, 1).transformDirection(mesh.matrixWorld);
      _plane.setFromNormalAndCoplanarPoint(_n, mesh.getWorldPosition(_p));
      if (!ray.intersectPlane(_plane, _p)) return null;
      mesh.worldToLocal(_p);
      return fromUv(_p.x / width + 0.5, _p.y / height + 0.5);
    },
    worldOf(fx, fy, out) {
      plot.updateMatrixWorld();
      return plot.localToWorld(out.set(fx, fy, 0));
    },
    setAxes(t, x, y, l) {
      [title, axes, legend] = [t, [x, y], l];
      invalidate();
    },
    setStatus(text) {
      status = text;
      invalidate();
    },
    setOverlay(p) {
      overlay = p;
      invalidate();
    },
    dispose: () => canvas.dispose(),
  };
}

function paintAxes(ctx: CanvasRenderingContext2D, [x, y]: [Axis | null, Axis | null], box: { x0: number; y0: number; x1: number; y1: number }): void {
  ctx.strokeStyle = COLORS.dim;
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(box.x0, box.y0);
  ctx.lineTo(box.x0, box.y1);
  ctx.lineTo(box.x1, box.y1);
  ctx.stroke();
  ctx.font = `11px ${MONO}`;
  ctx.fillStyle = COLORS.dim;
  if (x) {
    ctx.textAlign = 'center';
    for (const t of [0, 0.5, 1]) ctx.fillText(tick(x, t), box.x0 + t * (box.x1 - box.x0), box.y1 + 14);
    ctx.fillText(x.label, (box.x0 + box.x1) / 2, box.y1 + 28);
  }
  if (y) {
    ctx.textAlign = 'right';
    for (const t of [0, 0.5, 1]) ctx.fillText(tick(y, t), box.x0 - 4, box.y1 - t * (box.y1 - box.y0) + 4);
    ctx.save();
    ctx.translate(12, (box.y0 + box.y1) / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = 'center';
    ctx.fillText(y.label, 0, 0);
    ctx.restore();
  }
  ctx.textAlign = 'left';
}

function tick(axis: Axis, t: number): string {
  const v = axis.lo + t * (axis.hi - axis.lo);
  return axis.log ? `1e${v.toFixed(1)}` : formatValue(v);
}
