import { CanvasTexture, LinearMipmapLinearFilter, Matrix4, Mesh, PlaneGeometry, Vector3 } from 'three';
import type { Camera } from 'three';
import type { Pointer } from '../input/pointer';
import { createCanvasMaterial } from '../scene/canvas-material';
import { COLORS, MONO, fitText, roundRect } from '../scene/text';

export interface WorldTooltip {
  readonly object: Mesh;
  readonly text: string;
  /** show `lines` next to `point` (where `pointer` hits), facing the head */
  show(pointer: Pointer, point: Vector3, lines: string[]): void;
  /** hide if `pointer` is the one it is showing for */
  hide(pointer: Pointer): void;
  dispose(): void;
}

const W = 768;
const LINE_H = 40;
const PAD = 18;
const ANGULAR_WIDTH = 0.42; // card width / distance: ~24° of view, readable at any distance
const _head = new Vector3();
const _toHead = new Vector3();
const _right = new Vector3();
const _m = new Matrix4();
const UP = new Vector3(0, 1, 0);

/**
 * The hover info of a feature map in VR, where there is no screen to put an HTML tooltip on: a small card in the
 * world beside the ray's hit point, turned to the head and sized to a constant angle. One canvas quad.
 */
export function createWorldTooltip(camera: Camera): WorldTooltip {
  const canvas = document.createElement('canvas');
  canvas.width = W;
  canvas.height = PAD * 2 + LINE_H * 3;
  const ctx = canvas.getContext('2d')!;
  const texture = new CanvasTexture(canvas);
  texture.minFilter = LinearMipmapLinearFilter;
  const material = createCanvasMaterial(texture, { depthTest: false, depthWrite: false });
  const aspect = canvas.height / W;
  const mesh = new Mesh(new PlaneGeometry(1, aspect), material);
  mesh.name = 'vr-tooltip';
  mesh.renderOrder = 900;
  mesh.visible = false;
  let owner: Pointer | null = null;
  let text = '';

  const paint = (lines: string[]) => {
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.fillStyle = 'rgba(10,12,16,0.92)';
    roundRect(ctx, 2, 2, W - 4, canvas.height - 4, 14);
    ctx.fill();
    ctx.strokeStyle = COLORS.cardEdge;
    ctx.lineWidth = 3;
    ctx.stroke();
    lines.slice(0, 3).forEach((line, i) => {
      ctx.fillStyle = i === 0 ? COLORS.text : COLORS.dim;
      ctx.font = `${i === 0 ? 600 : 400} 28px ${MONO}`;
      fitText(ctx, line, PAD, PAD + 30 + i * LINE_H, W - 2 * PAD);
    });
    texture.needsUpdate = true;
  };

  return {
    object: mesh,
    get text() {
      return mesh.visible ? text : '';
    },
    show(pointer, point, lines) {
      owner = pointer;
      const next = lines.join('\n');
      if (next !== text) paint(lines);
      text = next;
      _head.setFromMatrixPosition(camera.matrixWorld);
      const distance = Math.max(0.3, _head.distanceTo(point));
      const width = ANGULAR_WIDTH * distance;
      _toHead.copy(_head).sub(point).normalize();
      // in front of the surface towards the viewer, above and right of the hit so it does not cover it
      mesh.position.copy(point).addScaledVector(_toHead, Math.min(0.15, distance * 0.1));
      mesh.quaternion.setFromRotationMatrix(_m.lookAt(_head, mesh.position, UP));
      _right.set(1, 0, 0).applyQuaternion(mesh.quaternion);
      mesh.position.addScaledVector(_right, width * 0.55);
      mesh.position.y += width * aspect * 0.7;
      mesh.scale.setScalar(width);
      mesh.visible = true;
    },
    hide(pointer) {
      if (pointer !== owner) return;
      mesh.visible = false;
      owner = null;
    },
    dispose() {
      texture.dispose();
      material.dispose();
      mesh.geometry.dispose();
    },
  };
}
