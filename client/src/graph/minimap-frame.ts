// The minimap's mapping from the floor (world x, z) to its pixels: the whole scene fits, the network runs up the
// map (−z is up), one scale for both axes so shapes keep their proportions. Pure maths.

export interface FloorRect {
  minX: number;
  maxX: number;
  minZ: number;
  maxZ: number;
}

export interface MinimapFrame {
  /** map pixel of a floor point */
  toMap(x: number, z: number): [number, number];
  /** floor point of a map pixel */
  toFloor(px: number, py: number): [number, number];
  /** pixels per metre */
  readonly scale: number;
}

export function minimapFrame(rect: FloorRect, width: number, height: number, pad = 8): MinimapFrame {
  const w = Math.max(1e-3, rect.maxX - rect.minX);
  const d = Math.max(1e-3, rect.maxZ - rect.minZ);
  const scale = Math.min((width - 2 * pad) / w, (height - 2 * pad) / d);
  const x0 = (width - w * scale) / 2;
  const y0 = (height - d * scale) / 2;
  return {
    scale,
    toMap: (x, z) => [x0 + (x - rect.minX) * scale, y0 + (z - rect.minZ) * scale],
    toFloor: (px, py) => [rect.minX + (px - x0) / scale, rect.minZ + (py - y0) / scale],
  };
}
