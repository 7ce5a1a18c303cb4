/** Pure maths of the teleport arc: a ballistic curve from the controller that lands on the floor (y = 0). */

export interface ArcResult {
  /** flat xyz triples along the arc, from the controller to the landing point (or the last sample) */
  points: number[];
  /** where the arc meets the floor, or null if it never does within reach */
  landing: [number, number, number] | null;
}

const GRAVITY = 9.8;

/**
 * Sample the arc of a projectile launched from `origin` along `direction` (unit vector) at `speed` m/s, until it
 * crosses y = 0 or `maxTime` seconds pass. A steeper aim reaches farther, like throwing.
 *
 * >>> teleportArc([0, 1, 0], [0, 0, -1], 6).landing  // ≈ [0, 0, -2.71]
 */
export function teleportArc(
  origin: readonly number[], direction: readonly number[], speed = 7, samples = 24, maxTime = 2.5,
): ArcResult {
  const [ox, oy, oz] = origin;
  const [vx, vy, vz] = [direction[0] * speed, direction[1] * speed, direction[2] * speed];
  // time of the floor crossing: oy + vy t - g t²/2 = 0
  const disc = vy * vy + 2 * GRAVITY * oy;
  const hit = oy > 0 && disc >= 0 ? (vy + Math.sqrt(disc)) / GRAVITY : Infinity;
  const end = Math.min(hit, maxTime);
  const points: number[] = [];
  for (let i = 0; i <= samples; i++) {
    const t = (end * i) / samples;
    points.push(ox + vx * t, Math.max(0, oy + vy * t - 0.5 * GRAVITY * t * t), oz + vz * t);
  }
  const landing: [number, number, number] | null = hit <= maxTime ? [ox + vx * hit, 0, oz + vz * hit] : null;
  return { points, landing };
}
