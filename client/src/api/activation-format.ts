import type { ActivationSet, LayerActivation } from './types';

interface HeaderLayer {
  id: string;
  shape: number[];
  offset: number;
  length: number;
  vmin: number;
  vmax: number;
  zero_level: number;
}

/**
 * Parse the binary activation format: uint32 LE header length N, N bytes of UTF-8 JSON header, then the uint8
 * data section (offsets relative to its start). Layer data are views into `buffer`, not copies.
 */
export function parseActivations(buffer: ArrayBuffer): ActivationSet {
  if (buffer.byteLength < 4) throw new Error(`activation payload too short (${buffer.byteLength} bytes)`);
  const headerLength = new DataView(buffer).getUint32(0, true);
  const dataStart = 4 + headerLength;
  if (dataStart > buffer.byteLength) throw new Error(`activation header length ${headerLength} exceeds payload`);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, headerLength)));
  const layers: LayerActivation[] = (header.layers as HeaderLayer[]).map((l) => {
    if (dataStart + l.offset + l.length > buffer.byteLength) throw new Error(`layer ${l.id} runs past the payload end`);
    return {
      id: l.id,
      shape: l.shape,
      vmin: l.vmin,
      vmax: l.vmax,
      zero_level: l.zero_level,
      data: new Uint8Array(buffer, dataStart + l.offset, l.length),
    };
  });
  return { network: header.network, version: header.version, layers };
}

/** Decode a uint8 level to the activation value it stands for. */
export function decodeLevel(q: number, vmin: number, vmax: number): number {
  return vmin + (q * (vmax - vmin)) / 255;
}
