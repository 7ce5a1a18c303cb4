// The part of troika-three-text (plain JavaScript, no bundled types) that the client uses.
declare module 'troika-three-text' {
  import type { Color, InstancedBufferGeometry, Material, Mesh } from 'three';

  export interface TextRenderInfo {
    /** [minX, minY, maxX, maxY] of the laid-out lines (local units) */
    blockBounds: [number, number, number, number];
    /** [minX, minY, maxX, maxY] of the glyphs' ink */
    visibleBounds: [number, number, number, number];
  }

  export class Text extends Mesh<InstancedBufferGeometry> {
    text: string;
    font: string | null;
    fontSize: number;
    lineHeight: number | 'normal';
    maxWidth: number;
    anchorX: number | 'left' | 'center' | 'right' | string;
    anchorY: number | 'top' | 'top-baseline' | 'middle' | 'bottom-baseline' | 'bottom' | string;
    textAlign: 'left' | 'right' | 'center' | 'justify';
    overflowWrap: 'normal' | 'break-word';
    whiteSpace: 'normal' | 'nowrap';
    color: string | number | Color | null;
    fillOpacity: number;
    outlineWidth: number | string;
    outlineColor: string | number | Color;
    clipRect: [number, number, number, number] | null;
    depthOffset: number;
    sdfGlyphSize: number | null;
    readonly textRenderInfo: TextRenderInfo | null;
    sync(callback?: () => void): void;
    dispose(): void;
    material: Material;
  }

  export class BatchedText extends Text {
    addText(text: Text): void;
    removeText(text: Text): void;
  }

  export function preloadFont(options: { font: string; characters?: string | string[] }, callback: () => void): void;
  export function configureTextBuilder(config: { defaultFontURL?: string | null; unicodeFontsURL?: string | null;
    sdfGlyphSize?: number; textureWidth?: number; useWorker?: boolean }): void;
}
