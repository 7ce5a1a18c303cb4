// How much of one panel another covers on screen: both as quads in camera space (x right, y up, looking down −z),
// clipped to the near plane, projected, and intersected as convex polygons. Pure maths (Sutherland–Hodgman
// clipping is a dozen lines; a geometry library would be more code to wire than to write).

export type Vec3 = readonly [number, number, number];
export type Vec2 = readonly [number, number];

/** The part of a convex polygon in camera space in front of the near plane (z ≤ −near). */
export function clipNear(poly: readonly Vec3[], near: number): Vec3[] {
  const out: Vec3[] = [];
  const inside = (p: Vec3) => p[2] <= -near;
  for (let i = 0; i < poly.length; i++) {
    const a = poly[i];
    const b = poly[(i + 1) % poly.length];
    if (inside(a)) out.push(a);
    if (inside(a) !== inside(b)) {
      const t = (-near - a[2]) / (b[2] - a[2]);
      out.push([a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]), -near]);
    }
  }
  return out;
}

/** Perspective projection onto the plane at distance 1 (screen units up to a scale; ratios of areas are exact). */
export function project(poly: readonly Vec3[]): Vec2[] {
  return poly.map((p) => [p[0] / -p[2], p[1] / -p[2]]);
}

export function area(poly: readonly Vec2[]): number {
  let s = 0;
  for (let i = 0; i < poly.length; i++) {
    const a = poly[i];
    const b = poly[(i + 1) % poly.length];
    s += a[0] * b[1] - b[0] * a[1];
  }
  return Math.abs(s) / 2;
}

/** Intersection of two convex polygons (subject clipped by each edge of the clip polygon). */
export function intersect(subject: readonly Vec2[], clip: readonly Vec2[]): Vec2[] {
  const orient = Math.sign(signedArea(clip)) || 1;
  let out: Vec2[] = [...subject];
  for (let i = 0; i < clip.length && out.length; i++) {
    const a = clip[i];
    const b = clip[(i + 1) % clip.length];
    const side = (p: Vec2) => orient * ((b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]));
    const input = out;
    out = [];
    for (let j = 0; j < input.length; j++) {
      const p = input[j];
      const q = input[(j + 1) % input.length];
      const sp = side(p);
      const sq = side(q);
      if (sp >= 0) out.push(p);
      if ((sp >= 0) !== (sq >= 0)) {
        const t = sp / (sp - sq);
        out.push([p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])]);
      }
    }
  }
  return out;
}

function signedArea(poly: readonly Vec2[]): number {
  let s = 0;
  for (let i = 0; i < poly.length; i++) {
    const a = poly[i];
    const b = poly[(i + 1) % poly.length];
    s += a[0] * b[1] - b[0] * a[1];
  }
  return s / 2;
}

/**
 * Share of the target quad's screen area that the other quad covers, counting only an other quad nearer to the
 * camera than the target (both in camera space). 0 when it is behind the target or out of view.
 */
export function coverFraction(target: readonly Vec3[], other: readonly Vec3[], near = 0.05): number {
  const depth = (q: readonly Vec3[]) => q.reduce((s, p) => s - p[2], 0) / q.length;
  if (depth(other) >= depth(target)) return 0;
  const t = project(clipNear(target, near));
  const o = project(clipNear(other, near));
  const whole = area(t);
  if (t.length < 3 || o.length < 3 || whole === 0) return 0;
  return area(intersect(t, o)) / whole;
}
