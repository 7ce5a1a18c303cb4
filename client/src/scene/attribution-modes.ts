// What a layer panel shows: its activations, the attribution for the selected target class, or both blended;
// and how channel importance is shown: not at all, maps ordered by it, or a frame around each map.

export const PANEL_MODES = ['activations', 'attribution', 'blend'] as const;
export type PanelMode = (typeof PANEL_MODES)[number];

export const IMPORTANCE_VIEWS = ['grid', 'sorted', 'framed'] as const;
export type ImportanceView = (typeof IMPORTANCE_VIEWS)[number];

/** The view after `view` when the card's importance button is pressed (grid → sorted → framed → grid). */
export function nextImportanceView(view: ImportanceView): ImportanceView {
  return IMPORTANCE_VIEWS[(IMPORTANCE_VIEWS.indexOf(view) + 1) % IMPORTANCE_VIEWS.length];
}
