import { Color, InstancedMesh, Matrix4, MeshBasicMaterial, PlaneGeometry, Vector3 } from 'three';
import type { Interactive } from '../input/interaction';
import { formatValue } from '../scene/text';
import { HIGHLIGHT, PALETTE, rankRange } from './chart-data';
import type { BarChartSpec } from './chart-data';
import type { ChartFrame } from './chart-frame';
import type { ChartHints, PickHandler } from './chart-hints';

export interface BarChart {
  readonly frame: ChartFrame;
  readonly spec: BarChartSpec;
  readonly bars: InstancedMesh;
  /** filters drawn highlighted */
  readonly highlighted: ReadonlySet<number>;
  highlight(filters: ReadonlySet<number>): void;
  /** world point of the top of a filter's bar (tests aim there) */
  worldOfKey(filter: number, out: Vector3): Vector3 | null;
  readonly interactive: Interactive;
  dispose(): void;
}

const BASE = new Color().setRGB(0.62, 0.72, 0.86);
const _c = new Color();
const _m = new Matrix4();
const unitBar = new PlaneGeometry(1, 1).translate(0.5, 0.5, 0);

/**
 * A bar chart of filters (the ranking histogram, or the maxima stacked input by input): every bar is one instance
 * of one InstancedMesh, so the whole chart is one draw call on top of its board. Click a bar: that filter; drag
 * along the ranks: the filters of that rank range.
 */
export function createBarChart(frame: ChartFrame, spec: BarChartSpec, hints: ChartHints, pick: PickHandler): BarChart {
  const { bars, slots } = spec;
  const mesh = new InstancedMesh(unitBar, new MeshBasicMaterial({ color: 0xffffff }), Math.max(1, bars.count));
  mesh.count = bars.count;
  mesh.name = 'chart-bars';
  for (let i = 0; i < bars.count; i++) {
    mesh.setMatrixAt(i, _m.makeScale(bars.x1[i] - bars.x0[i], Math.max(1e-4, bars.y1[i] - bars.y0[i]), 1).setPosition(bars.x0[i], bars.y0[i], 0));
  }
  mesh.frustumCulled = false; // the instances' bounds are not the geometry's
  frame.plot.add(mesh);
  let highlighted: ReadonlySet<number> = new Set();
  let dragFrom = -1;
  const colorBars = (lit: ReadonlySet<number>) => {
    for (let i = 0; i < bars.count; i++) {
      const series = bars.series[i];
      if (lit.has(bars.keys[i])) _c.setRGB(...HIGHLIGHT);
      else if (series >= 0) _c.setRGB(...PALETTE[series % PALETTE.length]).multiplyScalar(lit.size ? 0.55 : 1);
      else _c.copy(BASE).multiplyScalar(lit.size ? 0.55 : 1);
      mesh.setColorAt(i, _c);
    }
    if (mesh.instanceColor) mesh.instanceColor.needsUpdate = true;
  };
  const slotAt = (fx: number) => Math.min(slots.length - 1, Math.max(0, Math.floor(fx * slots.length)));
  const describe = (slot: number) => {
    const filter = slots[slot];
    const i = lastBarOf(spec, filter);
    const top = spec.y.lo + bars.y1[i] * (spec.y.hi - spec.y.lo);
    return [`filter ${filter}  ·  rank ${slot + 1} of ${slots.length}`, `${spec.y.label}: ${formatValue(top)}`,
      'click: select · drag: select a rank range'];
  };
  colorBars(highlighted);
  const chart: BarChart = {
    frame, spec, bars: mesh,
    get highlighted() {
      return highlighted;
    },
    highlight(filters) {
      highlighted = filters;
      colorBars(filters);
    },
    worldOfKey(filter, out) {
      const i = lastBarOf(spec, filter);
      return i < 0 ? null : frame.worldOf((bars.x0[i] + bars.x1[i]) / 2, Math.max(bars.y1[i] - 0.02, (bars.y0[i] + bars.y1[i]) / 2), out);
    },
    interactive: {
      hover(hit) {
        const f = hit.uv && frame.plotAt(hit.uv);
        if (f) hints.show(hit, describe(slotAt(f.x)));
        else hints.hide(hit.pointer);
      },
      hoverEnd: (pointer) => hints.hide(pointer),
      select(hit) {
        const f = hit.uv && frame.plotAt(hit.uv);
        if (f) pick([slots[slotAt(f.x)]]);
      },
      dragStart(hit) {
        const f = hit.uv && frame.plotAt(hit.uv);
        if (!f) return false;
        dragFrom = slotAt(f.x);
        return true;
      },
      drag(pointer) {
        const f = frame.plotAlong(pointer.ray);
        if (f) colorBars(new Set(rankRange(slots, dragFrom, slotAt(f.x))));
      },
      dragEnd(pointer) {
        const f = frame.plotAlong(pointer.ray);
        if (f && dragFrom >= 0) pick(rankRange(slots, dragFrom, slotAt(f.x)));
        else colorBars(highlighted);
        dragFrom = -1;
      },
    },
    dispose() {
      mesh.dispose();
      (mesh.material as MeshBasicMaterial).dispose();
    },
  };
  return chart;
}

/** The topmost bar of a filter (its only bar, or the last input of its stack). */
function lastBarOf(spec: BarChartSpec, filter: number): number {
  for (let i = spec.bars.count - 1; i >= 0; i--) if (spec.bars.keys[i] === filter) return i;
  return -1;
}
