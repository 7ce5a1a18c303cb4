import { Vector3 } from 'three';
import type { Mesh, Object3D } from 'three';
import type { Block } from '../graph/occlusion-blocks';
import type { OcclusionTool } from '../scene/occlusion-tools';
import type { AppContext } from './context';
import { occlusionEditor } from './occlusion-editor';
import { outputLegend } from './output-legend';

type ScreenOf = (p: Vector3) => { x: number; y: number; inFront: boolean; visible: boolean };

/** World point of panel uv (u right, v up) on a canvas panel's plane. */
function uvWorld(mesh: Object3D, u: number, v: number): Vector3 {
  const g = (mesh as Mesh).geometry as unknown as { parameters: { width: number; height: number } };
  mesh.updateMatrixWorld();
  return mesh.localToWorld(new Vector3((u - 0.5) * g.parameters.width, (v - 0.5) * g.parameters.height, 0));
}

/**
 * `window.__layerwalk.occlusion`: the occlusion editor's and the output legend's state and where to aim at them
 * (screen points for the mouse, world points for the VR controllers), for tests and benchmarks. Nothing in the
 * client depends on it.
 */
export function occlusionDebug(ctx: AppContext, screenOf: ScreenOf) {
  const viewOf = (nid: string) => {
    const view = ctx.store.views.get(nid);
    if (!view) throw new Error(`no network ${nid}`);
    return view;
  };
  const editorOf = (nid: string) => {
    const editor = occlusionEditor(viewOf(nid));
    if (!editor) throw new Error(`network ${nid} has no occlusion editor`);
    return editor;
  };
  const imageWorld = (fx: number, fy: number, nid: string) => {
    const station = viewOf(nid).station;
    const [u, v] = station.imageUv(fx, fy);
    return uvWorld(station.object, u, v);
  };
  const toolWorld = (tool: OcclusionTool, nid: string) => {
    const tools = editorOf(nid).tools;
    const [u, v] = tools.toolUv(tool);
    return uvWorld(tools.object, u, v);
  };
  const legendWorld = (row: number, nid: string) => {
    const legend = outputLegend(viewOf(nid));
    if (!legend) return null;
    const [u, v] = legend.rowUv(row);
    return uvWorld(legend.object, u, v);
  };
  return {
    /** the editor: blocks, selection, fill, the last edit's version and before/after, the rows of the bars */
    state(nid = 'n0') {
      const view = viewOf(nid);
      const e = editorOf(nid);
      return { blocks: e.blocks, selected: e.selected, fill: e.fill, version: e.version, changes: e.changes, busy: e.busy,
        rows: view.station.rows.map((p) => ({ index: p.index, name: p.name, probability: p.probability })),
        inputShape: view.info.input_shape };
    },
    /** screen / world point of the input image at fractions (fx, fy) of its width and height */
    imageScreen: (fx: number, fy: number, nid = 'n0') => screenOf(imageWorld(fx, fy, nid)),
    imageWorld: (fx: number, fy: number, nid = 'n0') => imageWorld(fx, fy, nid).toArray(),
    toolScreen: (tool: OcclusionTool, nid = 'n0') => screenOf(toolWorld(tool, nid)),
    toolWorld: (tool: OcclusionTool, nid = 'n0') => toolWorld(tool, nid).toArray(),
    /** replace the blocks as one edit (what a drag ends with); resolves when every panel shows it */
    apply: (blocks: Block[], nid = 'n0') => editorOf(nid).apply(blocks),
    /** the output legend's rows, chosen class and the app's chosen class */
    legend(nid = 'n0') {
      const legend = outputLegend(viewOf(nid));
      return legend && { rows: legend.rows.map((p) => p.index), names: legend.rows.map((p) => p.name),
        chosen: legend.chosen, chosenClass: ctx.store.chosenClass.get(nid) ?? null };
    },
    legendScreen(row: number, nid = 'n0') {
      const p = legendWorld(row, nid);
      return p && screenOf(p);
    },
    legendWorld: (row: number, nid = 'n0') => legendWorld(row, nid)?.toArray() ?? null,
  };
}
