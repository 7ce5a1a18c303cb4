import { BufferAttribute, BufferGeometry } from 'three';
import type { InstancedBufferGeometry } from 'three';

// troika's per-glyph attributes (GlyphsGeometry and BatchedText), read by its text shader
const PER_GLYPH = [['aTroikaGlyphBounds', 4], ['aTroikaGlyphIndex', 1], ['aTroikaTextBatchMemberIndex', 1]] as const;
// the template quad's own attributes, the same for every glyph
const PER_CORNER = [['position', 3], ['normal', 3], ['uv', 2]] as const;

/**
 * troika's glyph geometry (one quad instanced once per glyph) as one plain indexed triangle list that the same
 * shader draws: every corner carries its glyph's attributes. Why: software GL (SwiftShader, which headless
 * Chromium and machines without a GPU use) pays per instance, not per triangle — ~3,500 instanced glyph quads cost
 * ~100 ms a frame there (BENCHMARKS.md, "SDF text"), the same glyphs as one list nothing measurable. GPUs draw both
 * alike; the list costs 4× the per-glyph attribute memory (a few hundred kB for all labels).
 */
export function flattenGlyphs(instanced: InstancedBufferGeometry): BufferGeometry {
  const quadIndex = instanced.getIndex();
  const glyphs = instanced.getAttribute(PER_GLYPH[0][0])?.count ?? 0;
  const corners = instanced.getAttribute('position').count;
  const flat = new BufferGeometry();
  if (glyphs === 0) return flat;
  for (const [name, size] of PER_CORNER) {
    const quad = instanced.getAttribute(name).array;
    const out = new Float32Array(glyphs * corners * size);
    for (let g = 0; g < glyphs; g++) out.set(quad, g * corners * size);
    flat.setAttribute(name, new BufferAttribute(out, size));
  }
  for (const [name, size] of PER_GLYPH) {
    const perGlyph = instanced.getAttribute(name).array;
    const out = new Float32Array(glyphs * corners * size);
    for (let g = 0; g < glyphs; g++) {
      const value = perGlyph.subarray(g * size, (g + 1) * size);
      for (let c = 0; c < corners; c++) out.set(value, (g * corners + c) * size);
    }
    flat.setAttribute(name, new BufferAttribute(out, size));
  }
  if (quadIndex) flat.setIndex(repeatIndex(quadIndex.array, glyphs, corners));
  return flat;
}

/** the quad's triangle indices once per glyph, shifted to that glyph's corners */
function repeatIndex(quad: ArrayLike<number>, glyphs: number, corners: number): BufferAttribute {
  const out = new Uint32Array(glyphs * quad.length);
  for (let g = 0; g < glyphs; g++) {
    for (let i = 0; i < quad.length; i++) out[g * quad.length + i] = quad[i] + g * corners;
  }
  return new BufferAttribute(out, 1);
}
