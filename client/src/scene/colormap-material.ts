import { DoubleSide, ShaderMaterial, Texture, Vector2 } from 'three';
import type { AtlasLayout } from '../graph/atlas-layout';

const vertexShader = /* glsl */ `
varying vec2 vUv;
void main() {
  vUv = uv;
  gl_Position = projectionMatrix * modelViewMatrix * vec4(position, 1.0);
}`;

// Unlit colormap of uint8 levels: below the zero level → blue, at it → black, above → white, each side
// normalised by its distance to vmin/vmax. Gaps between feature maps (and unused grid cells) are drawn in the
// shader, fading out when a texel gets smaller than a pixel (mipmapped distance view).
const fragmentShader = /* glsl */ `
uniform sampler2D map;
uniform float zeroLevel;
uniform vec2 atlasSize;
uniform vec2 cellSize;
uniform vec2 pitch;
uniform float cols;
uniform float channels;
uniform float tiles;
uniform float highlight;
uniform float hasData;
varying vec2 vUv;
const vec3 NEG = vec3(0.25, 0.52, 1.0);
const vec3 GAP = vec3(0.09, 0.10, 0.13);
void main() {
  vec2 px = vec2(vUv.x, 1.0 - vUv.y) * atlasSize;
  vec2 cell = floor(px / pitch);
  vec2 inCell = px - cell * pitch;
  float channel = cell.y * cols + cell.x;
  vec2 texelPerPixel = fwidth(px);
  float fine = 1.0 - smoothstep(0.35, 0.8, max(texelPerPixel.x, texelPerPixel.y));
  float gap = 0.0;
  if (tiles > 0.5) {
    vec2 f = fract(px);
    float w = 0.12;
    gap = fine * (1.0 - step(w, f.x) * step(w, f.y));
  } else {
    gap = fine * (1.0 - step(inCell.x, cellSize.x - 0.001) * step(inCell.y, cellSize.y - 0.001));
  }
  if (channel >= channels || hasData < 0.5) {
    gl_FragColor = vec4(GAP, 1.0);
    return;
  }
  float q = texture2D(map, vec2(vUv.x, 1.0 - vUv.y)).r * 255.0;
  vec3 color;
  if (q < zeroLevel) color = NEG * clamp((zeroLevel - q) / max(zeroLevel, 1.0), 0.0, 1.0);
  else color = vec3(clamp((q - zeroLevel) / max(255.0 - zeroLevel, 1.0), 0.0, 1.0));
  color = mix(color, GAP, gap);
  color += highlight * vec3(0.05, 0.035, 0.0);
  gl_FragColor = vec4(color, 1.0);
}`;

export function createColormapMaterial(map: Texture, layout: AtlasLayout): ShaderMaterial {
  return new ShaderMaterial({
    vertexShader,
    fragmentShader,
    side: DoubleSide,
    uniforms: {
      map: { value: map },
      zeroLevel: { value: 0 },
      atlasSize: { value: new Vector2(layout.width, layout.height) },
      cellSize: { value: new Vector2(layout.cellW, layout.cellH) },
      pitch: { value: new Vector2(layout.pitchX, layout.pitchY) },
      cols: { value: layout.cols },
      channels: { value: layout.channels },
      tiles: { value: layout.mode === 'tiles' ? 1 : 0 },
      highlight: { value: 0 },
      hasData: { value: 0 },
    },
  });
}
