// Channel importance on a layer's atlas grid: the order of the maps (most important first) and one signed level
// per grid cell for the importance frames. Pure maths, no three.js here.

/** Channels by descending score (for the target class first, against it last); ties keep channel order. */
export function importanceOrder(scores: ArrayLike<number>): Int32Array {
  const order = Int32Array.from({ length: scores.length }, (_, i) => i);
  return order.sort((a, b) => scores[b] - scores[a] || a - b);
}

/**
 * One uint8 per grid cell: the score of the channel shown there, scaled by the layer's largest |score| to
 * 0..255 with 127.5 as zero (the shader reads it back as −1..1); cells without a channel are 128.
 */
export function cellScoreLevels(scores: ArrayLike<number>, cells: number, order?: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(cells).fill(128);
  let max = 0;
  for (let i = 0; i < scores.length; i++) max = Math.max(max, Math.abs(scores[i]));
  if (max === 0) return out;
  for (let k = 0; k < Math.min(cells, scores.length); k++) {
    const s = scores[order ? order[k] : k] / max;
    out[k] = Math.round(127.5 + 127.5 * s);
  }
  return out;
}
