import type { AppContext } from './context';

/**
 * Which layers the user has hidden (layer tree, VR menu), per network. A hidden layer's panel and card are out of
 * the scene graph's visible set: no draw call, no pointer hits. Listeners (the tree, the minimap, the VR menu)
 * are told after every change.
 */
export interface LayerVisibility {
  isHidden(nid: string, lid: string): boolean;
  /** Hide or show layers of one network. */
  set(nid: string, lids: readonly string[], hidden: boolean): void;
  /** Show only these layers of the network (a stage, a module); the others are hidden. */
  only(nid: string, lids: readonly string[]): void;
  /** Show every layer of every network. */
  showAll(): void;
  /** the hidden layers of a network */
  hidden(nid: string): string[];
  onChange(listener: () => void): void;
}

export function createLayerVisibility(ctx: AppContext): LayerVisibility {
  const listeners: (() => void)[] = [];
  const changed = () => {
    ctx.interaction.invalidate();
    listeners.forEach((l) => l());
  };
  const apply = (nid: string, lids: readonly string[], hidden: boolean) => {
    const view = ctx.store.views.get(nid);
    for (const lid of lids) view?.setLayerHidden(lid, 'user', hidden);
  };
  const visibility: LayerVisibility = {
    isHidden: (nid, lid) => !!ctx.store.views.get(nid)?.isLayerHidden(lid, 'user'),
    set(nid, lids, hidden) {
      apply(nid, lids, hidden);
      changed();
    },
    only(nid, lids) {
      const keep = new Set(lids);
      const all = [...(ctx.store.views.get(nid)?.panels.keys() ?? [])];
      apply(nid, all.filter((lid) => !keep.has(lid)), true);
      apply(nid, lids, false);
      changed();
    },
    showAll() {
      for (const [nid, view] of ctx.store.views) apply(nid, [...view.panels.keys()], false);
      changed();
    },
    hidden(nid) {
      const view = ctx.store.views.get(nid);
      return view ? [...view.panels.keys()].filter((lid) => view.isLayerHidden(lid, 'user')) : [];
    },
    onChange: (listener) => void listeners.push(listener),
  };
  return visibility;
}
