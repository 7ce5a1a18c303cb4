import { DoubleSide, ShaderMaterial, Texture, Vector2 } from 'three';
import { PANEL_MODES } from './attribution-modes';
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
// Attribution (a second atlas of the same layout) uses the dissertation's diverging map: red = for the target
// class, white = no effect, blue = against, symmetric around its zero level. `mode` picks activations,
// attribution or a blend (the activation's strength as brightness, tinted red/blue by the attribution).
// `scores` holds one texel per grid cell (signed channel importance, 128 = 0) for the frames around the maps.
const fragmentShader = /* glsl */ `
uniform sampler2D map;
uniform sampler2D attrMap;
uniform sampler2D scores;
uniform float mode;
uniform float hasAttr;
uniform float attrZeroLevel;
uniform float frames;
uniform vec2 grid;
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
const vec3 FOR = vec3(0.86, 0.10, 0.12);
const vec3 AGAINST = vec3(0.13, 0.32, 0.92);
vec3 diverging(float t) {
  return t >= 0.0 ? mix(vec3(1.0), FOR, t) : mix(vec3(1.0), AGAINST, -t);
}
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
  vec2 st = vec2(vUv.x, 1.0 - vUv.y);
  float q = texture2D(map, st).r * 255.0;
  vec3 color;
  if (q < zeroLevel) color = NEG * clamp((zeroLevel - q) / max(zeroLevel, 1.0), 0.0, 1.0);
  else color = vec3(clamp((q - zeroLevel) / max(255.0 - zeroLevel, 1.0), 0.0, 1.0));
  if (mode > 0.5 && hasAttr > 0.5) {
    float a = texture2D(attrMap, st).r * 255.0;
    float t = clamp((a - attrZeroLevel) / max(max(attrZeroLevel, 255.0 - attrZeroLevel), 1.0), -1.0, 1.0);
    t = sign(t) * sqrt(abs(t)); // square-root scale: weak evidence stays visible beside the layer's strongest
    vec3 rwb = diverging(t);
    // blend: the activation's strength (either sign) as brightness, tinted by what it does for the class
    float strength = q < zeroLevel ? (zeroLevel - q) / max(zeroLevel, 1.0) : (q - zeroLevel) / max(255.0 - zeroLevel, 1.0);
    vec3 blended = mix(vec3(strength), rwb * max(strength, 0.3), smoothstep(0.0, 0.5, abs(t)));
    color = mode < 1.5 ? rwb : blended;
  }
  if (frames > 0.5) {
    float s = texture2D(scores, (cell + 0.5) / grid).r * 255.0 / 127.5 - 1.0;
    vec2 far = cellSize - inCell;
    float edge = min(min(inCell.x, inCell.y), min(far.x, far.y));
    float width = max(0.2 * min(cellSize.x, cellSize.y) * abs(s), 0.0);
    if (edge < width) color = s >= 0.0 ? FOR : AGAINST;
  }
  color = mix(color, GAP, gap);
  color += highlight * vec3(0.05, 0.035, 0.0);
  gl_FragColor = vec4(color, 1.0);
}`;

export function createColormapMaterial(map: Texture, layout: AtlasLayout, attrMap: Texture, scores: Texture): ShaderMaterial {
  return new ShaderMaterial({
    vertexShader,
    fragmentShader,
    side: DoubleSide,
    uniforms: {
      map: { value: map },
      attrMap: { value: attrMap },
      scores: { value: scores },
      mode: { value: PANEL_MODES.indexOf('activations') },
      hasAttr: { value: 0 },
      attrZeroLevel: { value: 128 },
      frames: { value: 0 },
      grid: { value: new Vector2(layout.cols, layout.rows) },
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
