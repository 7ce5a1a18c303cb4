import { BufferAttribute, BufferGeometry, LineBasicMaterial, LineLoop, Points, PointsMaterial, Vector3 } from 'three';
import type { Interactive } from '../input/interaction';
import { COLORS, FONT } from '../scene/text';
import { HIGHLIGHT } from './chart-data';
import type { ScatterSpec } from './chart-data';
import type { ChartFrame } from './chart-frame';
import type { ChartHints, PickHandler } from './chart-hints';
import { createPointIndex } from './point-index';
import type { PointIndex } from './point-index';

export interface ScatterChart {
  readonly frame: ChartFrame;
  readonly spec: ScatterSpec;
  readonly points: Points;
  readonly index: PointIndex;
  readonly highlighted: ReadonlySet<number>;
  highlight(keys: ReadonlySet<number>): void;
  /** the last lasso in plot coordinates ([x0, y0, x1, y1, …]), empty when none */
  readonly lasso: readonly number[];
  worldOfKey(key: number, out: Vector3): Vector3 | null;
  readonly interactive: Interactive;
  dispose(): void;
}

const PICK_RADIUS = 0.025; // of the plot's size
const MAX_LASSO = 2048;
const LIFT = 0.002; // highlighted points sit in front of the others

/**
 * A scatter of filters or inputs: all points are ONE THREE.Points (one draw call, colours per vertex); picking and
 * the lasso go through a kd-tree of the points, never through the GPU or a scan of every point, so 100,000 points
 * stay interactive. Click: the nearest point; drag: a lasso around a cluster.
 */
export function createScatterChart(frame: ChartFrame, spec: ScatterSpec, hints: ChartHints, pick: PickHandler,
  describe: (i: number) => string[], pointSize = 0.014): ScatterChart {
  const n = spec.xs.length;
  const position = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) position.set([spec.xs[i], spec.ys[i], 0], i * 3);
  const geometry = new BufferGeometry();
  geometry.setAttribute('position', new BufferAttribute(position, 3));
  geometry.setAttribute('color', new BufferAttribute(Float32Array.from(spec.colors), 3));
  geometry.computeBoundingSphere();
  // sizeAttenuation: the size is in world metres (the plot group is scaled, the points are not)
  const points = new Points(geometry, new PointsMaterial({ size: pointSize, vertexColors: true, sizeAttenuation: true }));
  points.name = 'chart-points';
  points.frustumCulled = false;
  frame.plot.add(points);
  const index = createPointIndex(spec.xs, spec.ys);
  const rows = new Map<number, number>();
  spec.keys.forEach((k, i) => rows.set(k, i));
  const lassoPath = new Float32Array(MAX_LASSO * 3);
  const lassoGeometry = new BufferGeometry();
  lassoGeometry.setAttribute('position', new BufferAttribute(lassoPath, 3));
  lassoGeometry.setDrawRange(0, 0);
  const lassoLine = new LineLoop(lassoGeometry, new LineBasicMaterial({ color: COLORS.accent }));
  lassoLine.frustumCulled = false;
  lassoLine.position.z = LIFT * 2;
  lassoLine.visible = false;
  frame.plot.add(lassoLine);
  let lasso: number[] = [];
  let highlighted: ReadonlySet<number> = new Set();
  if (spec.labels) frame.setOverlay((ctx, toPx) => paintLabels(ctx, spec, toPx));
  const setLasso = (path: number[]) => {
    lasso = path;
    const count = Math.min(MAX_LASSO, path.length / 2);
    for (let k = 0; k < count; k++) lassoPath.set([path[2 * k], path[2 * k + 1], 0], k * 3);
    lassoGeometry.setDrawRange(0, count);
    lassoLine.visible = count >= 2; // three.js would still issue a (zero-length) draw call
    lassoGeometry.attributes.position.needsUpdate = true;
  };
  const nearest = (x: number, y: number) => index.nearest(x, y, PICK_RADIUS);
  const chart: ScatterChart = {
    frame, spec, points, index,
    get highlighted() {
      return highlighted;
    },
    get lasso() {
      return lasso;
    },
    highlight(keys) {
      const color = geometry.attributes.color as BufferAttribute;
      const pos = geometry.attributes.position as BufferAttribute;
      for (const k of highlighted) {
        const i = rows.get(k);
        if (i === undefined) continue;
        color.setXYZ(i, spec.colors[3 * i], spec.colors[3 * i + 1], spec.colors[3 * i + 2]);
        pos.setZ(i, 0);
      }
      for (const k of keys) {
        const i = rows.get(k);
        if (i === undefined) continue;
        color.setXYZ(i, ...HIGHLIGHT);
        pos.setZ(i, LIFT);
      }
      highlighted = keys;
      color.needsUpdate = true;
      pos.needsUpdate = true;
    },
    worldOfKey(key, out) {
      const i = rows.get(key);
      return i === undefined ? null : frame.worldOf(spec.xs[i], spec.ys[i], out);
    },
    interactive: {
      hover(hit) {
        const f = hit.uv && frame.plotAt(hit.uv);
        const i = f ? nearest(f.x, f.y) : -1;
        if (i >= 0) hints.show(hit, describe(i));
        else hints.hide(hit.pointer);
      },
      hoverEnd: (pointer) => hints.hide(pointer),
      select(hit) {
        const f = hit.uv && frame.plotAt(hit.uv);
        const i = f ? nearest(f.x, f.y) : -1;
        if (i >= 0) pick([spec.keys[i]]);
      },
      dragStart(hit) {
        const f = hit.uv && frame.plotAt(hit.uv);
        if (!f) return false;
        setLasso([f.x, f.y]);
        return true;
      },
      drag(pointer) {
        const f = frame.plotAlong(pointer.ray);
        const last = lasso.length;
        if (f && last < MAX_LASSO * 2 && (Math.abs(f.x - lasso[last - 2]) > 0.004 || Math.abs(f.y - lasso[last - 1]) > 0.004)) {
          setLasso([...lasso, f.x, f.y]);
        }
      },
      dragEnd() {
        pick(index.inPolygon(lasso).map((i) => spec.keys[i]));
      },
    },
    dispose() {
      geometry.dispose();
      lassoGeometry.dispose();
      (points.material as PointsMaterial).dispose();
      (lassoLine.material as LineBasicMaterial).dispose();
    },
  };
  return chart;
}

function paintLabels(ctx: CanvasRenderingContext2D, spec: ScatterSpec, toPx: (fx: number, fy: number) => [number, number]): void {
  ctx.font = `10px ${FONT}`;
  ctx.fillStyle = COLORS.dim;
  spec.labels!.forEach((label, i) => {
    const [x, y] = toPx(spec.xs[i], spec.ys[i]);
    ctx.fillText(label, x + 5, y - 4);
  });
}
