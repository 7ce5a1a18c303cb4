import { el } from './dom';

/** A served network and what its graph leaves out of the model, and why (`GraphResponse.notes`). */
export interface GraphNotes {
  name: string;
  notes: readonly string[];
}

/** One line per note, each naming its network; empty when no graph leaves anything out. */
export function graphNoteLines(networks: readonly GraphNotes[]): string[] {
  return networks.flatMap((n) => n.notes.map((note) => `${n.name}: ${note}`));
}

/**
 * A small notice (bottom left) saying which ops the graphs leave out and why, so a missing layer is never a silent
 * surprise; hidden when nothing is left out, dismissed with its × button.
 */
export function showGraphNotes(parent: HTMLElement, networks: readonly GraphNotes[]): HTMLElement {
  const lines = graphNoteLines(networks);
  const box = el('div', 'lw-graph-notes', parent);
  box.id = 'lw-graph-notes';
  box.hidden = lines.length === 0;
  const close = el('button', 'lw-graph-notes-close', box, '×');
  close.title = 'Hide';
  close.addEventListener('click', () => (box.hidden = true));
  el('strong', '', box, 'Not shown in the 3D graph');
  const list = el('ul', '', box);
  for (const line of lines) el('li', '', list, line);
  return box;
}
