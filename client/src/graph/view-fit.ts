// Framing things for a camera that looks towards -z (down the conveyor), maybe tilted down. Pure maths.

export interface XYZ {
  x: number;
  y: number;
  z: number;
}

export interface Box {
  min: XYZ;
  max: XYZ;
}

/**
 * How far from `target` a camera must stand, back along its view, so that every point is inside its view. The
 * camera looks at `target` from `elevation` radians above the horizontal, facing -z without roll; `tanV` and
 * `tanH` are the tangents of half its vertical and horizontal field of view (shrink them for a margin).
 *
 * In camera axes a point at offset q from the target has right = q·r, up = q·v and depth d − q·u (u points back
 * to the eye); it is in view when |q·r| ≤ tanH·depth and |q·v| ≤ tanV·depth, so each point gives a least d.
 */
export function fitDistance(points: readonly XYZ[], target: XYZ, elevation: number, tanV: number, tanH: number): number {
  const sin = Math.sin(elevation);
  const cos = Math.cos(elevation);
  let d = 0;
  for (const p of points) {
    const qx = p.x - target.x;
    const qy = p.y - target.y;
    const qz = p.z - target.z;
    const back = qy * sin + qz * cos;
    const up = qy * cos - qz * sin;
    d = Math.max(d, back + Math.abs(qx) / tanH, back + Math.abs(up) / tanV);
  }
  return d;
}

/**
 * Whether an upright panel facing +z (a box flat in z) stands between the eye and any part of the target box: it
 * lies between them in z and overlaps the cone from the eye to the target's front where it stands.
 */
export function blocksView(eye: XYZ, target: Box, other: Box): boolean {
  const z = (other.min.z + other.max.z) / 2;
  if (z <= target.max.z + 0.01 || z >= eye.z) return false;
  const f = (eye.z - z) / (eye.z - target.max.z); // 0 at the eye, 1 at the target's front
  const overlaps = (e: number, lo: number, hi: number, otherLo: number, otherHi: number) =>
    e + (lo - e) * f < otherHi && e + (hi - e) * f > otherLo;
  return overlaps(eye.x, target.min.x, target.max.x, other.min.x, other.max.x) &&
    overlaps(eye.y, target.min.y, target.max.y, other.min.y, other.max.y);
}
