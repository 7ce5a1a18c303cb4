import { BufferAttribute, BufferGeometry, Euler, LineBasicMaterial, LineSegments, Quaternion, Vector3 } from 'three';
import type { NetworkGraph } from '../api/types';
import type { TreeModule } from '../graph/module-tree';
import type { AtlasSlot, QuadAtlas } from './quad-atlas';
import { FONT, fitText } from './text';

const FLOOR_Y = 0.014;
const PAD = { x: 0.2, z: 0.45 };
const STAGE_LABEL = { width: 2.4, height: 0.375 }; // the label atlas' 256×40 slot, 6.4:1
const BLOCK_LABEL = { width: 1.12, height: 0.175 };
const NETWORK_LABEL = { width: 5.6, height: 0.875 };
const _flat = new Quaternion().setFromEuler(new Euler(-Math.PI / 2, 0, 0));
const _up = new Quaternion();
const _p = new Vector3();
const _s = new Vector3(1, 1, 1);

export interface ModuleGroups {
  /** frames of the blocks (one LineSegments for the whole network: one draw call) */
  readonly object: LineSegments;
  /** the labels (stages above their groups, blocks on the floor, the network's name), world centre per text */
  readonly labels: { text: string; slot: AtlasSlot; kind: 'stage' | 'block' | 'network' }[];
  dispose(): void;
}

interface Box {
  minX: number;
  maxX: number;
  minZ: number;
  maxZ: number;
  top: number;
}

/**
 * The model's structure made visible: a frame on the floor around every block (a bottleneck, a dense layer, an
 * inception branch) with its name at the front edge, each stage's name (layer3, denseblock2, inception3a)
 * floating above the front of its group, facing the viewer, and the network's name high over its input. The
 * labels go into the shared label atlas (no draw call each); the frames are one line mesh.
 */
export function createModuleGroups(
  graph: NetworkGraph, name: string, offsetX: number, stages: readonly TreeModule[], blocks: readonly TreeModule[],
  atlas: QuadAtlas,
): ModuleGroups {
  const boxOf = (m: TreeModule): Box | null => {
    const box: Box = { minX: Infinity, maxX: -Infinity, minZ: Infinity, maxZ: -Infinity, top: 0 };
    for (const lid of m.layers) {
      const p = graph.layout.nodes[lid];
      if (!p) continue;
      box.minX = Math.min(box.minX, offsetX + p.x - p.width / 2);
      box.maxX = Math.max(box.maxX, offsetX + p.x + p.width / 2);
      box.minZ = Math.min(box.minZ, p.z);
      box.maxZ = Math.max(box.maxZ, p.z);
      box.top = Math.max(box.top, p.y + p.height / 2);
    }
    return Number.isFinite(box.minX) ? box : null;
  };
  const labels: ModuleGroups['labels'] = [];
  const label = (text: string, kind: 'stage' | 'block' | 'network', size: { width: number; height: number }, at: Vector3, flat: boolean) => {
    const slot = atlas.allocate(size.width, size.height);
    slot.matrix.compose(at, flat ? _flat : _up, _s);
    atlas.place(slot);
    atlas.paint(slot, (ctx, w, h) => paintLabel(ctx, w, h, text, kind));
    labels.push({ text, slot, kind });
  };

  const lines: number[] = [];
  for (const block of blocks) {
    const b = boxOf(block);
    if (!b) continue;
    const [x0, x1, z0, z1] = [b.minX - PAD.x, b.maxX + PAD.x, b.minZ - PAD.z, b.maxZ + PAD.z];
    lines.push(x0, FLOOR_Y, z0, x1, FLOOR_Y, z0, x1, FLOOR_Y, z0, x1, FLOOR_Y, z1,
      x1, FLOOR_Y, z1, x0, FLOOR_Y, z1, x0, FLOOR_Y, z1, x0, FLOOR_Y, z0);
    // the block with its stage ("layer3.1", "denseblock2.denselayer4", "inception3a.branch2")
    label(block.path.split('.').slice(-2).join('.'), 'block', BLOCK_LABEL, _p.set(x0 + BLOCK_LABEL.width / 2, FLOOR_Y + 0.004, z1 - BLOCK_LABEL.height / 2), true);
  }
  for (const stage of stages) {
    const b = boxOf(stage);
    if (b) label(stage.path, 'stage', STAGE_LABEL, _p.set((b.minX + b.maxX) / 2, b.top + 0.45, b.maxZ), false);
  }
  const bounds = graph.layout.bounds;
  label(name, 'network', NETWORK_LABEL,
    _p.set(offsetX + (bounds.min[0] + bounds.max[0]) / 2, Math.max(bounds.max[1], 4) + 1.4, bounds.max[2]), false);

  const geometry = new BufferGeometry();
  geometry.setAttribute('position', new BufferAttribute(new Float32Array(lines), 3));
  const material = new LineBasicMaterial({ color: 0xffb454, transparent: true, opacity: 0.55 });
  const object = new LineSegments(geometry, material);
  object.name = 'module-frames';
  object.visible = lines.length > 0;
  return { object, labels, dispose: () => (geometry.dispose(), material.dispose()) };
}

function paintLabel(ctx: CanvasRenderingContext2D, w: number, h: number, text: string, kind: 'stage' | 'block' | 'network'): void {
  ctx.fillStyle = kind === 'block' ? 'rgba(14,17,23,0.6)' : 'rgba(22,26,34,0.85)';
  ctx.beginPath();
  ctx.roundRect(0, 2, w, h - 4, 8);
  ctx.fill();
  ctx.fillStyle = kind === 'network' ? '#e8ecf2' : '#ffb454';
  ctx.font = `${kind === 'block' ? 500 : 700} ${kind === 'block' ? 22 : 26}px ${FONT}`;
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'center';
  fitText(ctx, text, w / 2, h / 2 + 1, w - 16);
}
