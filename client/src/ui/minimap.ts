import { minimapFrame } from '../graph/minimap-frame';
import type { FloorRect, MinimapFrame } from '../graph/minimap-frame';
import { el } from './dom';

/** One panel as the minimap draws it: a segment on the floor (world x, z) of its width. */
export interface MinimapPanel {
  nid: string;
  lid: string;
  x: number;
  z: number;
  width: number;
  hidden: boolean;
}

export interface MinimapNetwork {
  name: string;
  /** where its name is written (world x, z of the input canvas) */
  x: number;
  z: number;
}

export interface Minimap {
  setScene(panels: MinimapPanel[], networks: MinimapNetwork[]): void;
  /** the camera's floor position and heading (radians, 0 = looking towards −z), the current layer and its rank */
  setCamera(x: number, z: number, yaw: number, current: { nid: string; lid: string; k: number; n: number; name: string } | null): void;
  /** page (CSS pixel) position of a floor point on the map, and of the "you are here" marker */
  pagePoint(x: number, z: number): { x: number; y: number } | null;
  readonly marker: { x: number; y: number } | null;
}

const SIZE = { width: 220, height: 220 };

/**
 * Overview of the whole scene from above, bottom right: every panel as a short bar (hidden ones dim, the current
 * one orange), the networks' names, and the camera as an arrow ("you are here"). Click: fly to the nearest panel.
 * Above it, "layer k of N" of the layer in view.
 */
export function createMinimap(parent: HTMLElement, fly: (nid: string, lid: string) => void): Minimap {
  const box = el('div', 'lw-minimap', parent);
  box.id = 'lw-minimap';
  const caption = el('div', 'lw-minimap-caption', box, '');
  const canvas = el('canvas', '', box);
  const dpr = Math.min(2, window.devicePixelRatio || 1);
  canvas.width = SIZE.width * dpr;
  canvas.height = SIZE.height * dpr;
  canvas.style.width = `${SIZE.width}px`;
  canvas.style.height = `${SIZE.height}px`;
  const g = canvas.getContext('2d')!;
  let panels: MinimapPanel[] = [];
  let networks: MinimapNetwork[] = [];
  let frame: MinimapFrame | null = null;
  let cam: { x: number; z: number; yaw: number } | null = null;
  let currentKey: string | null = null;

  const draw = () => {
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, SIZE.width, SIZE.height);
    if (!frame) return;
    g.lineCap = 'round';
    for (const p of panels) {
      const [x0, y] = frame.toMap(p.x - p.width / 2, p.z);
      const [x1] = frame.toMap(p.x + p.width / 2, p.z);
      const current = `${p.nid}/${p.lid}` === currentKey;
      g.strokeStyle = current ? '#ffb454' : p.hidden ? 'rgba(147,160,180,0.25)' : 'rgba(88,196,220,0.9)';
      g.lineWidth = current ? 3 : 1.5;
      g.beginPath();
      g.moveTo(x0, y);
      g.lineTo(Math.max(x1, x0 + 1), y);
      g.stroke();
    }
    g.fillStyle = '#e8ecf2';
    g.font = '600 10px sans-serif';
    g.textAlign = 'center';
    for (const n of networks) {
      const [x, y] = frame.toMap(n.x, n.z);
      g.fillText(n.name, Math.min(Math.max(x, 40), SIZE.width - 40), Math.min(y + 12, SIZE.height - 2));
    }
    if (!cam) return;
    const [cx, cy] = frame.toMap(cam.x, cam.z);
    const x = Math.min(Math.max(cx, 4), SIZE.width - 4);
    const y = Math.min(Math.max(cy, 4), SIZE.height - 4);
    // an arrow pointing where the camera looks: yaw 0 looks towards −z, up the map
    g.save();
    g.translate(x, y);
    g.rotate(-cam.yaw);
    g.fillStyle = '#ffb454';
    g.strokeStyle = '#0e1117';
    g.lineWidth = 1;
    g.beginPath();
    g.moveTo(0, -8);
    g.lineTo(5.5, 6);
    g.lineTo(0, 3);
    g.lineTo(-5.5, 6);
    g.closePath();
    g.fill();
    g.stroke();
    g.restore();
  };

  const pagePoint = (x: number, z: number) => {
    if (!frame) return null;
    const rect = canvas.getBoundingClientRect();
    const [px, py] = frame.toMap(x, z);
    return { x: rect.left + px, y: rect.top + py };
  };

  canvas.addEventListener('click', (e) => {
    if (!frame) return;
    const rect = canvas.getBoundingClientRect();
    const [x, z] = frame.toFloor(e.clientX - rect.left, e.clientY - rect.top);
    let best: MinimapPanel | null = null;
    let bestD = Infinity;
    for (const p of panels) {
      if (p.hidden) continue;
      const dx = Math.max(0, Math.abs(x - p.x) - p.width / 2);
      const d = dx * dx + (z - p.z) ** 2;
      if (d < bestD) [best, bestD] = [p, d];
    }
    if (best) fly(best.nid, best.lid);
  });

  return {
    setScene(next, nets) {
      panels = next;
      networks = nets;
      const rect: FloorRect = { minX: Infinity, maxX: -Infinity, minZ: Infinity, maxZ: -Infinity };
      for (const p of panels) {
        rect.minX = Math.min(rect.minX, p.x - p.width / 2);
        rect.maxX = Math.max(rect.maxX, p.x + p.width / 2);
        rect.minZ = Math.min(rect.minZ, p.z);
        rect.maxZ = Math.max(rect.maxZ, p.z);
      }
      for (const n of nets) rect.maxZ = Math.max(rect.maxZ, n.z + 2);
      frame = panels.length ? minimapFrame(rect, SIZE.width, SIZE.height) : null;
      draw();
    },
    setCamera(x, z, yaw, current) {
      cam = { x, z, yaw };
      currentKey = current ? `${current.nid}/${current.lid}` : null;
      caption.textContent = current ? `layer ${current.k} of ${current.n} · ${current.name}` : 'no layer in view';
      draw();
    },
    pagePoint,
    get marker() {
      return cam ? pagePoint(cam.x, cam.z) : null;
    },
  };
}
