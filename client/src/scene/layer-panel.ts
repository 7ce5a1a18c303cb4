import {
  DataTexture, LinearMipmapLinearFilter, Mesh, NearestFilter, PlaneGeometry, RedFormat, ShaderMaterial,
  UnsignedByteType, Vector2, Vector3,
} from 'three';
import type { GraphNode, LayerActivation, LayoutNode } from '../api/types';
import { atlasHit, computeAtlasLayout, fillAtlas } from '../graph/atlas-layout';
import type { AtlasHit, AtlasLayout } from '../graph/atlas-layout';
import { createColormapMaterial } from './colormap-material';

export interface LayerPanel {
  readonly object: Mesh;
  readonly node: GraphNode;
  readonly atlas: AtlasLayout;
  /** panel size in metres at scale 1 */
  readonly size: Vector2;
  readonly home: Vector3;
  current: LayerActivation | null;
  /** Upload a new activation; returns the number of bytes written. */
  update(activation: LayerActivation): number;
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
  const texture = new DataTexture(pixels, atlas.width, atlas.height, RedFormat, UnsignedByteType);
  texture.unpackAlignment = 1;
  texture.generateMipmaps = true;
  texture.minFilter = LinearMipmapLinearFilter;
  texture.magFilter = NearestFilter;
  texture.needsUpdate = true;
  const material = createColormapMaterial(texture, atlas);
  const mesh = new Mesh(sharedQuad, material);
  mesh.name = `layer:${node.id}`;
  const size = fitAspect(place.width, place.height, atlas.width / atlas.height);
  const home = new Vector3(place.x, place.y, place.z);
  mesh.scale.set(size.x, size.y, 1);
  mesh.position.copy(home);
  mesh.userData.layerId = node.id;

  const panel: LayerPanel = {
    object: mesh, node, atlas, size, home, current: null,
    update(activation) {
      fillAtlas(atlas, activation.data, pixels, activation.zero_level);
      texture.needsUpdate = true;
      const u = (material as ShaderMaterial).uniforms;
      u.zeroLevel.value = activation.zero_level;
      u.hasData.value = 1;
      panel.current = activation;
      return pixels.length;
    },
    hitAt: (uv) => atlasHit(atlas, uv.x, uv.y),
    setHighlight(on) {
      material.uniforms.highlight.value = on ? 1 : 0;
    },
    resetTransform() {
      mesh.position.copy(home);
      mesh.scale.set(size.x, size.y, 1);
    },
    dispose() {
      texture.dispose();
      material.dispose();
    },
  };
  return panel;
}

/** Largest rectangle of the given aspect (w/h) inside the layout's box, never thinner than 5 cm. */
function fitAspect(width: number, height: number, aspect: number): Vector2 {
  const w = Math.max(0.05, width);
  const h = Math.max(0.05, height);
  return w / h > aspect ? new Vector2(h * aspect, h) : new Vector2(w, w / aspect);
}
