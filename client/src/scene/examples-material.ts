import { DataTexture, DoubleSide, NearestFilter, NoColorSpace, RGFormat, ShaderMaterial, Texture, UnsignedByteType, Vector2 } from 'three';
import type { AtlasLayout } from '../graph/atlas-layout';
import { cropTile } from '../graph/crop-atlas';

const vertexShader = /* glsl */ `
varying vec2 vUv;
void main() {
  vUv = uv;
  gl_Position = projectionMatrix * modelViewMatrix * vec4(position, 1.0);
}`;

// "Dataset examples": each cell of the layer's activation atlas shows its channel's top dataset crop from the
// precomputed crop atlas (square tiles on the same near-square grid, 1-px gaps). The cell geometry is the
// activation atlas' so a hit on the panel (atlasHit) names the channel whose crop is drawn there; `channelOf`
// holds, per grid cell, the channel shown in it (two bytes: channels go past 255; 65535 = none), so the panel's
// importance order applies to the crops too. The crop atlas keeps the PNG's sRGB bytes (as the canvas material).
const fragmentShader = /* glsl */ `
uniform sampler2D map;
uniform sampler2D channelOf;
uniform vec2 grid;
uniform vec2 atlasSize;
uniform vec2 cellSize;
uniform vec2 pitch;
uniform float channels;
uniform vec2 cropGrid;
uniform float cropTile;
uniform vec2 cropSize;
uniform float selected;
varying vec2 vUv;
const vec3 GAP = vec3(0.09, 0.10, 0.13);
const vec3 SELECTED = vec3(1.0, 0.706, 0.329);
void main() {
  vec2 px = vec2(vUv.x, 1.0 - vUv.y) * atlasSize;
  vec2 cell = floor(px / pitch);
  vec2 inCell = (px - cell * pitch) / cellSize;
  if (cell.x >= grid.x || cell.y >= grid.y || inCell.x > 1.0 || inCell.y > 1.0) {
    gl_FragColor = vec4(GAP, 1.0);
    return;
  }
  vec2 bytes = floor(texture2D(channelOf, (cell + 0.5) / grid).rg * 255.0 + 0.5);
  float channel = bytes.r + bytes.g * 256.0;
  if (channel >= channels) {
    gl_FragColor = vec4(GAP, 1.0);
    return;
  }
  vec2 tile = vec2(mod(channel, cropGrid.x), floor(channel / cropGrid.x));
  vec2 p = (tile * (cropTile + 1.0) + clamp(inCell, 0.0, 1.0) * cropTile) / cropSize;
  vec3 color = texture2D(map, vec2(p.x, 1.0 - p.y)).rgb;
  vec2 edge = min(inCell, 1.0 - inCell);
  if (abs(channel - selected) < 0.5 && min(edge.x, edge.y) < 0.06) color = SELECTED;
  gl_FragColor = vec4(color, 1.0);
}`;

/**
 * The material a layer panel wears in "dataset examples" mode: still one quad and one draw call per panel.
 * `crops` is the precomputed atlas (flipY as loaded from an image element); `cropGrid` its [cols, rows].
 */
export function createExamplesMaterial(crops: Texture, cropGrid: [number, number], layout: AtlasLayout): ShaderMaterial {
  crops.colorSpace = NoColorSpace;
  const { width, height } = crops.image as { width: number; height: number };
  const tile = cropTile(width, height, cropGrid, layout.channels);
  const channelOf = new DataTexture(new Uint8Array(layout.cols * layout.rows * 2), layout.cols, layout.rows, RGFormat, UnsignedByteType);
  channelOf.magFilter = channelOf.minFilter = NearestFilter;
  channelOf.unpackAlignment = 1;
  return new ShaderMaterial({
    vertexShader,
    fragmentShader,
    side: DoubleSide,
    uniforms: {
      map: { value: crops },
      channelOf: { value: channelOf },
      grid: { value: new Vector2(layout.cols, layout.rows) },
      atlasSize: { value: new Vector2(layout.width, layout.height) },
      cellSize: { value: new Vector2(layout.cellW, layout.cellH) },
      pitch: { value: new Vector2(layout.pitchX, layout.pitchY) },
      channels: { value: layout.channels },
      cropGrid: { value: new Vector2(...cropGrid) },
      cropTile: { value: tile },
      cropSize: { value: new Vector2(width, height) },
      selected: { value: -1 },
    },
  });
}

/** Write which channel each grid cell shows (`channelAt(cell)`, null: none) into the material's lookup. */
export function setCellChannels(material: ShaderMaterial, cells: number, channelAt: (cell: number) => number | null): void {
  const texture = material.uniforms.channelOf.value as DataTexture;
  const data = texture.image.data as Uint8Array;
  for (let k = 0; k < cells; k++) {
    const c = channelAt(k) ?? 0xffff;
    data[2 * k] = c & 0xff;
    data[2 * k + 1] = c >> 8;
  }
  texture.needsUpdate = true;
}
