// Histograms of uint8-encoded activations, computed on the client from the activation bytes we already have
// (saves one request per layer per input). Levels map linearly to values, so binning levels bins values.

export function levelHistogram(data: Uint8Array, bins = 64): Uint32Array {
  const levels = new Uint32Array(256);
  for (let i = 0; i < data.length; i++) levels[data[i]]++;
  const out = new Uint32Array(bins);
  for (let q = 0; q < 256; q++) out[Math.min(bins - 1, Math.floor((q * bins) / 256))] += levels[q];
  return out;
}
