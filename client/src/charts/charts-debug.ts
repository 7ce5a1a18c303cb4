import { Mesh, Raycaster, Vector2, Vector3 } from 'three';
import type { Object3D } from 'three';
import type { AppContext } from '../app/context';
import type { CardTarget } from './board-card';
import type { ChartName } from './chart-board';
import type { Charts } from './charts';

const _v = new Vector3();

/**
 * `window.__layerwalk.charts`: what the analysis charts show and where to aim at them, for the browser tests.
 * Nothing in the client reads it.
 */
export function chartsDebug(ctx: AppContext, charts: Charts) {
  const screen = (p: Vector3) => project(ctx, p);
  const chartOf = (name: ChartName) => charts.board?.charts.get(name) ?? null;
  return {
    /** open a layer's charts; resolves with the charts drawn once every analysis has finished */
    async open(lid: string, nid = 'n0') {
      const board = charts.open(nid, lid);
      await board.ready;
      return [...board.charts.keys()];
    },
    close: () => charts.close(),
    flyToBoard: () => charts.flyToBoard(),
    state(nid = 'n0') {
      const s = charts.selection.get(nid);
      const board = charts.board;
      return {
        selection: { layer: s.layer, filters: [...s.filters].sort((a, b) => a - b), inputs: [...s.inputs].sort((a, b) => a - b), origin: s.origin },
        frames: Object.fromEntries([...charts.frames].map(([k, f]) => [k, [...f.channels].sort((a, b) => a - b)])),
        overlays: Object.fromEntries([...charts.overlays].map(([k, o]) => [k, { field: o.field, focusSquares: o.focusSquares }])),
        board: board && {
          layer: board.lid, jobs: Object.fromEntries(board.jobs),
          charts: Object.fromEntries([...board.charts].map(([name, c]) => [name, {
            highlighted: [...c.highlighted].sort((a, b) => a - b), keys: chartKeys(c.spec),
            lasso: 'lasso' in c ? c.lasso.length / 2 : 0,
          }])),
          thumbnails: board.thumbnails.map((t) => ({ item: t.item, label: t.label, loaded: t.image !== null })),
        },
      };
    },
    /** sRGB colour (0..1) a chart gives a filter's bar or an input's point */
    colorOf(name: ChartName, key: number) {
      const c = chartOf(name);
      if (!c) return null;
      if ('bars' in c && 'instanceColor' in c.bars) {
        const i = lastIndexOf(c.spec.bars.keys, key, c.spec.bars.count);
        const col = c.bars.instanceColor;
        return i < 0 || !col ? null : [col.getX(i), col.getY(i), col.getZ(i)];
      }
      if (!('points' in c)) return null;
      const i = Array.prototype.indexOf.call(c.spec.keys, key);
      const col = c.points.geometry.getAttribute('color');
      return i < 0 ? null : [col.getX(i), col.getY(i), col.getZ(i)];
    },
    /** screen point of a filter's bar or an input's point on a chart */
    keyScreen(name: ChartName, key: number) {
      const p = chartOf(name)?.worldOfKey(key, _v);
      return p ? screen(p) : null;
    },
    /** screen point of plot coordinates (0..1) on a chart */
    plotScreen(name: ChartName, fx: number, fy: number) {
      const c = chartOf(name);
      return c ? screen(c.frame.worldOf(fx, fy, _v)) : null;
    },
    /** plot coordinates of a chart's points (0..1), in key order */
    plotPoints(name: ChartName) {
      const c = chartOf(name);
      if (!c || !('xs' in c.spec)) return null;
      const spec = c.spec;
      return Array.from(spec.keys, (key, i) => ({ key, x: spec.xs[i], y: spec.ys[i] }));
    },
    /** screen box of a chart and the first panel, chart or canvas in front of it */
    chartBox(name: ChartName | 'card') {
      const mesh = name === 'card' ? charts.board?.card.panel.mesh : chartOf(name)?.frame.object;
      if (!mesh) return null;
      const g = (mesh.geometry as unknown as { parameters: { width: number; height: number } }).parameters;
      mesh.updateMatrixWorld();
      const corners = [[-0.5, -0.5], [0.5, -0.5], [0.5, 0.5], [-0.5, 0.5]].map(([x, y]) => screen(mesh.localToWorld(_v.set(x * g.width, y * g.height, 0))));
      return {
        left: Math.min(...corners.map((c) => c.x)), right: Math.max(...corners.map((c) => c.x)),
        top: Math.min(...corners.map((c) => c.y)), bottom: Math.max(...corners.map((c) => c.y)),
        visible: corners.every((c) => c.visible), blockedBy: inTheWay(ctx, mesh),
      };
    },
    /** screen point of a map's centre on a layer panel */
    tileScreen(lid: string, channel: number, nid = 'n0') {
      const panel = ctx.store.views.get(nid)?.panels.get(lid);
      if (!panel) return null;
      const a = panel.atlas;
      for (let k = 0; k < a.channels; k++) {
        const uv = new Vector2(((k % a.cols) * a.pitchX + a.cellW / 2) / a.width, 1 - (Math.floor(k / a.cols) * a.pitchY + a.cellH / 2) / a.height);
        if (panel.hitAt(uv)?.channel !== channel) continue;
        panel.object.updateMatrixWorld();
        return screen(panel.object.localToWorld(_v.set(uv.x - 0.5, uv.y - 0.5, 0)));
      }
      return null;
    },
    /** screen point of the i-th thumbnail (or an export button) on the board's card */
    cardScreen(target: CardTarget) {
      const card = charts.board?.card;
      if (!card) return null;
      const [u, v] = card.uvOf(target);
      const g = (card.panel.mesh.geometry as unknown as { parameters: { width: number; height: number } }).parameters;
      card.panel.mesh.updateMatrixWorld();
      return screen(card.panel.mesh.localToWorld(_v.set((u - 0.5) * g.width, (v - 0.5) * g.height, 0)));
    },
    /**
     * Draw calls of the open board: the whole scene rendered with and without it, and without each chart in turn
     * (renderer.info counts the calls of the last render).
     */
    drawCalls() {
      const board = charts.board;
      const { renderer, scene, camera } = ctx.world;
      const calls = () => {
        renderer.render(scene, camera);
        return renderer.info.render.calls;
      };
      if (!board) return null;
      const all = calls();
      const without = (o: Object3D) => {
        o.visible = false;
        const n = calls();
        o.visible = true;
        return all - n;
      };
      const perChart = Object.fromEntries([...board.charts].map(([name, c]) => [name, without(c.frame.object)]));
      return { all, board: without(board.object), perChart, card: without(board.card.panel.mesh) };
    },
  };
}

function chartKeys(spec: { keys?: Int32Array; slots?: Int32Array }): number {
  return (spec.keys ?? spec.slots)?.length ?? 0;
}

function lastIndexOf(keys: Int32Array, key: number, count: number): number {
  for (let i = count - 1; i >= 0; i--) if (keys[i] === key) return i;
  return -1;
}

function project(ctx: AppContext, p: Vector3) {
  const cam = ctx.world.camera;
  cam.updateMatrixWorld();
  const inFront = p.clone().applyMatrix4(cam.matrixWorldInverse).z < 0;
  const q = p.clone().project(cam);
  const rect = ctx.world.renderer.domElement.getBoundingClientRect();
  const x = rect.left + ((q.x + 1) / 2) * rect.width;
  const y = rect.top + ((1 - q.y) / 2) * rect.height;
  return { x, y, inFront, visible: inFront && x >= rect.left && x <= rect.right && y >= rect.top && y <= rect.bottom };
}

/** Name of the first layer panel, input canvas or other chart hiding a part of the mesh from the camera. */
function inTheWay(ctx: AppContext, mesh: Mesh): string | null {
  const solids: Object3D[] = [];
  ctx.world.scene.traverseVisible((o) => {
    if (o !== mesh && (o.name.startsWith('layer:') || o.name === 'input-station' || o.name.startsWith('dataset:'))) solids.push(o);
  });
  const eye = ctx.world.camera.getWorldPosition(new Vector3());
  const raycaster = new Raycaster();
  const g = (mesh.geometry as unknown as { parameters: { width: number; height: number } }).parameters;
  for (const [x, y] of [[0, 0], [-0.45, -0.45], [0.45, -0.45], [0.45, 0.45], [-0.45, 0.45]]) {
    const point = mesh.localToWorld(new Vector3(x * g.width, y * g.height, 0));
    const distance = point.distanceTo(eye);
    raycaster.set(eye, point.sub(eye).normalize());
    const hit = raycaster.intersectObjects(solids, false)[0];
    if (hit && hit.distance < distance - 1e-3) return hit.object.name;
  }
  return null;
}
