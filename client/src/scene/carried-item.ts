import { CanvasTexture, Mesh, PlaneGeometry } from 'three';
import { createCanvasMaterial } from './canvas-material';
import type { Pointer } from '../input/pointer';

export interface CarriedItem {
  readonly object: Mesh;
  show(image: CanvasImageSource | null, label: string): void;
  hide(): void;
  readonly visible: boolean;
  /** follow the pointer's carry pose; once per frame */
  update(pointer: Pointer): void;
  dispose(): void;
}

const SIZE = 256;

/**
 * The picked-up image floating at the pointer (desktop: below-right of the crosshair; XR: above the handheld
 * tool). Drawn on top of everything so it never disappears into a panel.
 */
export function createCarriedItem(): CarriedItem {
  const canvas = document.createElement('canvas');
  canvas.width = SIZE;
  canvas.height = SIZE + 40;
  const ctx = canvas.getContext('2d')!;
  const texture = new CanvasTexture(canvas);
  const material = createCanvasMaterial(texture, { depthTest: false, depthWrite: false });
  const mesh = new Mesh(new PlaneGeometry(0.16, (0.16 * (SIZE + 40)) / SIZE), material);
  mesh.name = 'carried-item';
  mesh.renderOrder = 1000;
  mesh.visible = false;
  return {
    object: mesh,
    get visible() {
      return mesh.visible;
    },
    show(image, label) {
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      ctx.fillStyle = '#ffb454';
      ctx.fillRect(0, 0, SIZE, SIZE);
      if (image) ctx.drawImage(image, 6, 6, SIZE - 12, SIZE - 12);
      else paintNoise(ctx, 6, 6, SIZE - 12);
      ctx.fillStyle = 'rgba(22,26,34,0.9)';
      ctx.fillRect(0, SIZE, SIZE, 40);
      ctx.fillStyle = '#e8ecf2';
      ctx.font = '600 22px sans-serif';
      ctx.textAlign = 'center';
      ctx.fillText(label, SIZE / 2, SIZE + 28, SIZE - 8);
      texture.needsUpdate = true;
      mesh.visible = true;
    },
    hide() {
      mesh.visible = false;
    },
    update(pointer) {
      if (mesh.visible) pointer.carryPose(mesh.position, mesh.quaternion);
    },
    dispose() {
      texture.dispose();
      material.dispose();
      mesh.geometry.dispose();
    },
  };
}

function paintNoise(ctx: CanvasRenderingContext2D, x: number, y: number, size: number): void {
  const img = ctx.createImageData(size, size);
  for (let i = 0; i < img.data.length; i += 4) {
    img.data[i] = Math.random() * 255;
    img.data[i + 1] = Math.random() * 255;
    img.data[i + 2] = Math.random() * 255;
    img.data[i + 3] = 255;
  }
  ctx.putImageData(img, x, y);
}
