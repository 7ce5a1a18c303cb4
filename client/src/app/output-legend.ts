import type { NetworkView } from '../scene/network-view';
import { LEGEND_WORLD, createOutputLegend } from '../scene/output-legend';
import type { OutputLegend } from '../scene/output-legend';
import { selectTarget } from './attribution';
import type { AppContext } from './context';

const legends = new WeakMap<NetworkView, OutputLegend>();

export function outputLegend(view: NetworkView): OutputLegend | undefined {
  return legends.get(view);
}

/**
 * The top-5 legend right of the network's output layer. It shows what the output card holds (the classification
 * of the current input) and the chosen class; a click on a class makes it the chosen class: the target of the
 * attribution (as a click on a class bar of the input canvas does) and of the activity-flow class list.
 */
export function addOutputLegend(ctx: AppContext, view: NetworkView): OutputLegend | undefined {
  const panel = view.outputId ? view.panels.get(view.outputId) : undefined;
  if (!panel || !view.outputId) return undefined;
  const legend = createOutputLegend();
  const card = view.cards.get(view.outputId);
  const sync = () => legend.show(card?.state.top ?? [], ctx.store.chosenClass.get(view.info.id) ?? null);
  const place = () => {
    const mesh = panel.object;
    legend.object.position.set(mesh.position.x + mesh.scale.x / 2 + 0.08 + LEGEND_WORLD.width / 2, mesh.position.y, mesh.position.z);
    legend.object.quaternion.copy(mesh.quaternion);
  };
  // read right before it is drawn: the classification and the choice change far less often than frames
  legend.object.onBeforeRender = () => {
    place();
    sync();
    legend.update();
  };
  place();
  legend.object.userData.network = view.info.id;
  view.object.add(legend.object);
  legends.set(view, legend);
  ctx.interaction.add(legend.object, {
    hover: (hit) => (legend.setHover(hit.uv ? legend.classAt(hit.uv.x, hit.uv.y)?.index ?? null : null), ctx.gate.invalidate()),
    hoverEnd: () => (legend.setHover(null), ctx.gate.invalidate()),
    select(hit) {
      const p = hit.uv ? legend.classAt(hit.uv.x, hit.uv.y) : null;
      if (!p) return;
      selectTarget(ctx, view, p.index).catch((err) => ctx.reportError(err));
      sync();
      ctx.gate.invalidate();
    },
  });
  return legend;
}
