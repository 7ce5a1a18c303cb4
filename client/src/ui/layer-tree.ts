import type { TreeItem, TreeModule } from '../graph/module-tree';
import { el } from './dom';

export interface LayerTreeNetwork {
  id: string;
  name: string;
  tree: TreeModule;
  /** the arrangement its layout uses (conveyor, wrap) */
  arrangement: string;
}

/** What the tree reads and does; the app wires it to the layer visibility and the fly-to. */
export interface LayerTreeModel {
  isHidden(nid: string, lid: string): boolean;
  setHidden(nid: string, lids: readonly string[], hidden: boolean): void;
  only(nid: string, lids: readonly string[]): void;
  showAll(): void;
  fly(nid: string, lid: string): void;
  /** lay the network out again in another arrangement */
  arrange(nid: string, arrangement: 'conveyor' | 'wrap'): void;
}

export interface LayerTree {
  setNetworks(networks: LayerTreeNetwork[]): void;
  /** repaint the eyes after the hidden set changed */
  refresh(): void;
  /** mark the layer the camera is at */
  setCurrent(nid: string | null, lid: string | null): void;
  toggle(force?: boolean): void;
}

/**
 * The layer tree (L): every network's modules → layers from the module hierarchy, a search box that filters it,
 * and per row: click the name to fly there, the eye to hide/show, "only" to show just that module (a stage, a
 * block), "⊟" to collapse a module to its output layer.
 */
export function createLayerTree(parent: HTMLElement, model: LayerTreeModel): LayerTree {
  const box = el('div', 'lw-tree lw-hidden', parent);
  box.id = 'lw-tree';
  const head = el('div', 'lw-tree-head', box);
  const search = el('input', 'lw-tree-search', head);
  search.placeholder = 'filter layers…';
  search.autocomplete = 'off';
  const showAll = el('button', 'lw-tree-all', head, 'show all');
  showAll.title = 'show every layer of every network';
  const body = el('div', 'lw-tree-body', box);
  const opener = el('button', 'lw-tree-open', parent, '☰ layers (L)');
  let networks: LayerTreeNetwork[] = [];
  const folded = new Set<string>();
  let current: string | null = null;

  const render = () => {
    const q = search.value.trim().toLowerCase();
    body.replaceChildren(...networks.flatMap((n) => {
      const title = el('div', 'lw-tree-net', undefined, n.name);
      const select = el('select', 'lw-tree-layout', title);
      select.title = 'layout: one line (the paper\'s conveyor) or columns side by side';
      select.dataset.nid = n.id;
      for (const a of ['conveyor', 'wrap'] as const) select.add(new Option(a, a, false, a === n.arrangement));
      select.addEventListener('change', () => model.arrange(n.id, select.value as 'conveyor' | 'wrap'));
      return [title, ...itemRows(n, n.tree.children, 0, q)];
    }));
  };
  const itemRows = (n: LayerTreeNetwork, items: readonly TreeItem[], depth: number, q: string): HTMLElement[] =>
    items.flatMap((item) => (item.kind === 'layer' ? layerRow(n, item.id, item.name, depth, q) : moduleRows(n, item, depth, q)));

  const layerRow = (n: LayerTreeNetwork, lid: string, name: string, depth: number, q: string): HTMLElement[] => {
    if (q && !name.toLowerCase().includes(q)) return [];
    const row = rowOf(depth, 'lw-tree-layer');
    Object.assign(row.dataset, { nid: n.id, lid });
    const hidden = model.isHidden(n.id, lid);
    row.classList.toggle('lw-off', hidden);
    row.classList.toggle('lw-current', current === `${n.id}/${lid}`);
    eye(row, hidden, () => model.setHidden(n.id, [lid], !hidden));
    const label = el('button', 'lw-tree-name', row, name.split('.').pop() ?? name);
    label.title = `${name} — fly there`;
    label.addEventListener('click', () => model.fly(n.id, lid));
    return [row];
  };

  const moduleRows = (n: LayerTreeNetwork, m: TreeModule, depth: number, q: string): HTMLElement[] => {
    const matches = !q || m.path.toLowerCase().includes(q);
    const inner = itemRows(n, m.children, depth + 1, matches ? '' : q);
    if (!matches && inner.length === 0) return [];
    const key = `${n.id}/${m.path}`;
    const open = !!q || !folded.has(key);
    const row = rowOf(depth, 'lw-tree-module');
    Object.assign(row.dataset, { nid: n.id, path: m.path });
    const hiddenCount = m.layers.filter((lid) => model.isHidden(n.id, lid)).length;
    row.classList.toggle('lw-off', hiddenCount === m.layers.length);
    eye(row, hiddenCount === m.layers.length, () => model.setHidden(n.id, m.layers, hiddenCount < m.layers.length));
    const fold = el('button', 'lw-tree-fold', row, `${open ? '▾' : '▸'} ${m.label}`);
    fold.title = `${m.path}: ${m.layers.length} layers${hiddenCount ? `, ${hiddenCount} hidden` : ''}`;
    fold.addEventListener('click', () => {
      if (!folded.delete(key)) folded.add(key);
      render();
    });
    el('span', 'lw-dim', row, ` ${m.layers.length}`);
    const only = el('button', 'lw-tree-only', row, 'only');
    only.title = `show only ${m.path}`;
    only.addEventListener('click', () => model.only(n.id, m.layers));
    const collapse = el('button', 'lw-tree-collapse', row, '⊟');
    collapse.title = `collapse ${m.path} to its output layer`;
    collapse.addEventListener('click', () => model.setHidden(n.id, m.layers.slice(0, -1), true));
    return open ? [row, ...inner] : [row];
  };

  search.addEventListener('input', render);
  search.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') search.blur();
    e.stopPropagation();
  });
  showAll.addEventListener('click', () => model.showAll());
  const toggle = (force?: boolean) => {
    const show = force ?? box.classList.contains('lw-hidden');
    box.classList.toggle('lw-hidden', !show);
    opener.classList.toggle('lw-hidden', show);
    if (show) render();
  };
  opener.addEventListener('click', () => toggle(true));
  el('button', 'lw-close lw-tree-close', head, '×').addEventListener('click', () => toggle(false));
  window.addEventListener('keydown', (e) => {
    if (e.code === 'KeyL' && !(e.target instanceof HTMLInputElement)) toggle();
  });
  return {
    setNetworks(next) {
      networks = next;
      render();
    },
    refresh: render,
    setCurrent(nid, lid) {
      const key = nid && lid ? `${nid}/${lid}` : null;
      if (key === current) return;
      current = key;
      body.querySelectorAll('.lw-current').forEach((r) => r.classList.remove('lw-current'));
      if (nid && lid) body.querySelector(`[data-nid="${nid}"][data-lid="${CSS.escape(lid)}"]`)?.classList.add('lw-current');
    },
    toggle,
  };
}

function rowOf(depth: number, className: string): HTMLElement {
  const row = el('div', `lw-tree-row ${className}`);
  row.style.paddingLeft = `${4 + depth * 12}px`;
  return row;
}

function eye(row: HTMLElement, hidden: boolean, onClick: () => void): void {
  const b = el('button', 'lw-tree-eye', row, hidden ? '◌' : '◉');
  b.title = hidden ? 'show' : 'hide';
  b.addEventListener('click', onClick);
}
