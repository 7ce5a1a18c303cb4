import {
  DataTexture, LinearMipmapLinearFilter, Mesh, NearestFilter, PlaneGeometry, RedFormat, ShaderMaterial,
  UnsignedByteType, Vector2, Vector3,
} from 'three';
import type { GraphNode, LayerActivation, LayoutNode } from '../api/types';
import { atlasHit, computeAtlasLayout, fillAtlas } from '../graph/atlas-layout';
import type { AtlasHit, AtlasLayout } from '../graph/atlas-layout';
import { cellScoreLevels, importanceOrder } from '../graph/channel-order';
import { PANEL_MODES } from './attribution-modes';
import type { ImportanceView, PanelMode } from './attribution-modes';
import { createColormapMaterial } from './colormap-material';

export interface LayerPanel {
  readonly object: Mesh;
  /** the colormap shader (activation and attribution atlases, mode, scores) */
  readonly material: ShaderMaterial;
  readonly node: GraphNode;
  readonly atlas: AtlasLayout;
  /** panel size in metres at scale 1 */
  readonly size: Vector2;
  readonly home: Vector3;
  current: LayerActivation | null;
  /** the attribution map shown for the selected target (same format as activations, signed, zero pivot) */
  readonly attribution: LayerActivation | null;
  readonly mode: PanelMode;
  readonly importance: ImportanceView;
  /** Upload a new activation; returns the number of bytes written. */
  update(activation: LayerActivation): number;
  /** Upload the attribution map and per-channel scores of the selected target (null: none for this layer). */
  setAttribution(map: LayerActivation | null, scores: ArrayLike<number> | null): number;
  setMode(mode: PanelMode): void;
  setImportance(view: ImportanceView): void;
  hitAt(uv: Vector2): AtlasHit | null;
  setHighlight(on: boolean): void;
  resetTransform(): void;
  dispose(): void;
}

const MAX_ATLAS = 4096;
const sharedQuad = new PlaneGeometry(1, 1);

/**
 * One layer = one quad with a single-channel uint8 atlas of all its feature maps (mip-mapped) and the unlit
 * colormap shader: exactly one draw call per layer, whatever its channel count.
 */
export function createLayerPanel(node: GraphNode, place: LayoutNode): LayerPanel {
  const atlas = computeAtlasLayout(node.shape, MAX_ATLAS, place.grid);
  const pixels = new Uint8Array(atlas.width * atlas.height);
  const texture = atlasTexture(pixels, atlas.width, atlas.height);
  // the attribution atlas is allocated by the first attribution; until then a 1-texel stand-in is bound
  let attrPixels: Uint8Array | null = null;
  let attrTexture = atlasTexture(new Uint8Array(1), 1, 1);
  const cellScores = atlasTexture(new Uint8Array(atlas.cols * atlas.rows).fill(128), atlas.cols, atlas.rows, false);
  const material = createColormapMaterial(texture, atlas, attrTexture, cellScores);
  const u = material.uniforms;
  let attribution: LayerActivation | null = null;
  let scores: ArrayLike<number> | null = null;
  let order: Int32Array | undefined;
  let mode: PanelMode = 'activations';
  let importance: ImportanceView = 'grid';
  const mesh = new Mesh(sharedQuad, material);
  mesh.name = `layer:${node.id}`;
  const size = fitAspect(place.width, place.height, atlas.width / atlas.height);
  const home = new Vector3(place.x, place.y, place.z);
  mesh.scale.set(size.x, size.y, 1);
  mesh.position.copy(home);
  mesh.userData.layerId = node.id;

  const fillAttribution = () => {
    if (!attribution) return 0;
    if (!attrPixels) {
      attrPixels = new Uint8Array(pixels.length);
      attrTexture.dispose();
      attrTexture = atlasTexture(attrPixels, atlas.width, atlas.height);
      u.attrMap.value = attrTexture;
    }
    fillAtlas(atlas, perChannel(attribution, atlas), attrPixels, attribution.zero_level, order);
    attrTexture.needsUpdate = true;
    return attrPixels.length;
  };
  // the order and the frames follow the scores and the importance view; both atlases are refilled in that order
  const arrange = () => {
    const reorder = order !== undefined || (importance === 'sorted' && scores !== null);
    order = importance === 'sorted' && scores ? importanceOrder(scores) : undefined;
    (cellScores.image.data as Uint8Array).set(cellScoreLevels(scores ?? [], atlas.cols * atlas.rows, order));
    cellScores.needsUpdate = true;
    u.frames.value = importance === 'framed' && scores ? 1 : 0;
    if (reorder && panel.current) {
      fillAtlas(atlas, panel.current.data, pixels, panel.current.zero_level, order);
      texture.needsUpdate = true;
    }
    return fillAttribution();
  };

  const panel: LayerPanel = {
    object: mesh, material, node, atlas, size, home, current: null,
    get attribution() {
      return attribution;
    },
    get mode() {
      return mode;
    },
    get importance() {
      return importance;
    },
    update(activation) {
      fillAtlas(atlas, activation.data, pixels, activation.zero_level, order);
      texture.needsUpdate = true;
      u.zeroLevel.value = activation.zero_level;
      u.hasData.value = 1;
      panel.current = activation;
      return pixels.length;
    },
    setAttribution(map, channelScores) {
      attribution = map;
      scores = channelScores && channelScores.length === atlas.channels ? channelScores : null;
      u.hasAttr.value = map ? 1 : 0;
      u.attrZeroLevel.value = map?.zero_level ?? 128;
      return arrange();
    },
    setMode(next) {
      mode = next;
      u.mode.value = PANEL_MODES.indexOf(next);
    },
    setImportance(view) {
      importance = view;
      arrange();
    },
    hitAt: (uv) => atlasHit(atlas, uv.x, uv.y, order),
    setHighlight(on) {
      material.uniforms.highlight.value = on ? 1 : 0;
    },
    resetTransform() {
      mesh.position.copy(home);
      mesh.scale.set(size.x, size.y, 1);
    },
    dispose() {
      texture.dispose();
      attrTexture.dispose();
      cellScores.dispose();
      material.dispose();
    },
  };
  return panel;
}

/** A single-channel uint8 texture; atlases are mip-mapped (distance view), the per-cell scores are not. */
function atlasTexture(data: Uint8Array, width: number, height: number, mipmaps = true): DataTexture {
  const t = new DataTexture(data, width, height, RedFormat, UnsignedByteType);
  t.unpackAlignment = 1;
  t.generateMipmaps = mipmaps;
  t.minFilter = mipmaps ? LinearMipmapLinearFilter : NearestFilter;
  t.magFilter = NearestFilter;
  t.needsUpdate = true;
  return t;
}

/**
 * The attribution as C maps of the layer's size: per-channel maps are used as they are; one map for the whole
 * layer (Grad-CAM's H×W) is shown on every channel's tile, so a blend lays it over each feature map.
 */
function perChannel(map: LayerActivation, atlas: AtlasLayout): Uint8Array {
  const size = atlas.mode === 'tiles' ? 1 : atlas.mapW * atlas.mapH;
  if (map.data.length === atlas.channels * size) return map.data;
  if (map.data.length !== size) {
    throw new Error(`attribution of ${map.id}: ${map.data.length} values do not fit ${atlas.channels} maps of ${size}`);
  }
  const out = new Uint8Array(atlas.channels * size);
  for (let c = 0; c < atlas.channels; c++) out.set(map.data, c * size);
  return out;
}

/** Largest rectangle of the given aspect (w/h) inside the layout's box, never thinner than 5 cm. */
function fitAspect(width: number, height: number, aspect: number): Vector2 {
  const w = Math.max(0.05, width);
  const h = Math.max(0.05, height);
  return w / h > aspect ? new Vector2(h * aspect, h) : new Vector2(w, w / aspect);
}
