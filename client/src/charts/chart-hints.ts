import type { PointerHit } from '../input/interaction';
import type { Pointer } from '../input/pointer';

/** Hover text for charts: an HTML tooltip on the desktop, a text in the world in VR (like the layer panels). */
export interface ChartHints {
  show(hit: PointerHit, lines: string[]): void;
  hide(pointer: Pointer): void;
}

/** What a chart reports: keys (filters or inputs) picked by a click, a range or a lasso. */
export type PickHandler = (keys: number[]) => void;
