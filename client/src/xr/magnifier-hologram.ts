import { CanvasTexture, LinearFilter, LinearMipmapLinearFilter, Mesh, NoColorSpace, PlaneGeometry, Plane, Ray, ShaderMaterial, Vector2, Vector3 } from 'three';
import type { WebGLRenderer } from 'three';
import type { Pointer } from '../input/pointer';
import { COLORS, FONT, fitText } from '../scene/text';

export interface MagnifierHologram {
  readonly object: Mesh;
  /** show an image (full resolution: fine detail is what the lens is for) with a label under it */
  show(image: CanvasImageSource | null, label: string, pixelated: boolean): void;
  hide(): void;
  readonly visible: boolean;
  /** where the lens looks, in image uv (0..1, y up) */
  readonly lensCenter: Vector2;
  /** follow the carrying pointer and move the lens to where the head looks; once per frame */
  update(pointer: Pointer, gaze: Ray): void;
  dispose(): void;
}

const TEX = 1024; // texels across the image: ~5000 texels per metre on the 0.2 m hologram
const LABEL = 96;
export const HOLOGRAM_WIDTH = 0.2;
const ZOOM = 3.5;
const LENS_RADIUS = 0.2; // in image uv

const _plane = new Plane();
const _normal = new Vector3();
const _hit = new Vector3();
const _local = new Vector3();

const fragmentShader = /* glsl */ `
uniform sampler2D map;
uniform vec2 lensCenter;
uniform float lensRadius;
uniform float zoom;
uniform float imageTop;   // v below which the label strip starts
uniform vec2 texSize;
uniform float pixelated;
varying vec2 vUv;
void main() {
  vec2 uv = vUv;
  float ring = 0.0;
  if (uv.y > imageTop) {
    // image space: (0..1, 0..1) over the picture
    vec2 p = vec2(uv.x, (uv.y - imageTop) / (1.0 - imageTop));
    float d = distance(p, lensCenter);
    if (d < lensRadius) {
      p = lensCenter + (p - lensCenter) / zoom;
      if (pixelated > 0.5) {
        // small source images: show their pixels as crisp squares instead of a blur
        vec2 texel = vec2(texSize.x, texSize.y * (1.0 - imageTop));
        p = (floor(p * texel) + 0.5) / texel;
      }
    }
    ring = smoothstep(0.012, 0.0, abs(d - lensRadius));
    uv = vec2(p.x, imageTop + p.y * (1.0 - imageTop));
  }
  vec4 c = texture2D(map, uv);
  c.rgb = mix(c.rgb, vec3(1.0, 0.706, 0.329), ring);
  gl_FragColor = vec4(c.rgb, max(c.a, ring));
}`;

/**
 * The handheld tool's hologram (paper §3.3.2): the carried image floats above the controller at high texel
 * density, with a magnifying lens (3.5×) over the spot the user looks at, so fine detail stays visible despite
 * the headset's per-eye resolution. One quad, one draw, unlit.
 */
export function createMagnifierHologram(renderer: WebGLRenderer): MagnifierHologram {
  const canvas = document.createElement('canvas');
  canvas.width = TEX;
  canvas.height = TEX + LABEL;
  const ctx = canvas.getContext('2d')!;
  const texture = new CanvasTexture(canvas);
  texture.colorSpace = NoColorSpace;
  texture.minFilter = LinearMipmapLinearFilter;
  texture.magFilter = LinearFilter;
  texture.anisotropy = Math.min(8, renderer.capabilities.getMaxAnisotropy());
  const imageTop = LABEL / (TEX + LABEL);
  const material = new ShaderMaterial({
    uniforms: {
      map: { value: texture }, lensCenter: { value: new Vector2(0.5, 0.5) }, lensRadius: { value: LENS_RADIUS },
      zoom: { value: ZOOM }, imageTop: { value: imageTop }, texSize: { value: new Vector2(TEX, TEX + LABEL) },
      pixelated: { value: 0 },
    },
    vertexShader: /* glsl */ `
      varying vec2 vUv;
      void main() { vUv = uv; gl_Position = projectionMatrix * modelViewMatrix * vec4(position, 1.0); }`,
    fragmentShader,
    transparent: true,
    depthTest: false,
    depthWrite: false,
  });
  const height = (HOLOGRAM_WIDTH * (TEX + LABEL)) / TEX;
  const mesh = new Mesh(new PlaneGeometry(HOLOGRAM_WIDTH, height), material);
  mesh.name = 'vr-hologram';
  mesh.renderOrder = 1000;
  mesh.visible = false;
  const lensCenter = material.uniforms.lensCenter.value as Vector2;

  return {
    object: mesh,
    lensCenter,
    get visible() {
      return mesh.visible;
    },
    show(image, label, pixelated) {
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      ctx.fillStyle = COLORS.accent;
      ctx.fillRect(0, 0, TEX, TEX);
      ctx.imageSmoothingEnabled = !pixelated;
      if (image) ctx.drawImage(image, 8, 8, TEX - 16, TEX - 16);
      else paintNoise(ctx, 8, TEX - 16);
      ctx.fillStyle = 'rgba(22,26,34,0.92)';
      ctx.fillRect(0, TEX, TEX, LABEL);
      ctx.fillStyle = COLORS.text;
      ctx.font = `600 56px ${FONT}`;
      ctx.textAlign = 'center';
      fitText(ctx, label, TEX / 2, TEX + 68, TEX - 24);
      texture.needsUpdate = true;
      material.uniforms.pixelated.value = pixelated ? 1 : 0;
      lensCenter.set(0.5, 0.5);
      mesh.visible = true;
    },
    hide() {
      mesh.visible = false;
    },
    update(pointer, gaze) {
      if (!mesh.visible) return;
      pointer.carryPose(mesh.position, mesh.quaternion);
      mesh.updateMatrixWorld();
      // the lens follows the gaze across the picture; it stays put while the user looks elsewhere
      _normal.set(0, 0, 1).applyQuaternion(mesh.quaternion);
      _plane.setFromNormalAndCoplanarPoint(_normal, mesh.position);
      if (!gaze.intersectPlane(_plane, _hit)) return;
      mesh.worldToLocal(_local.copy(_hit));
      const u = _local.x / HOLOGRAM_WIDTH + 0.5;
      const v = (_local.y + height / 2 - height * imageTop) / (height * (1 - imageTop));
      if (u >= 0 && u <= 1 && v >= 0 && v <= 1) lensCenter.set(u, v);
    },
    dispose() {
      texture.dispose();
      material.dispose();
      mesh.geometry.dispose();
    },
  };
}

function paintNoise(ctx: CanvasRenderingContext2D, at: number, size: number): void {
  const cells = 64;
  const img = ctx.createImageData(cells, cells);
  for (let i = 0; i < img.data.length; i++) img.data[i] = (i & 3) === 3 ? 255 : Math.random() * 255;
  const tmp = document.createElement('canvas');
  tmp.width = tmp.height = cells;
  tmp.getContext('2d')!.putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(tmp, at, at, size, size);
}
