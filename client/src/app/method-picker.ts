import type { NetworkView } from '../scene/network-view';
import { PICKER_WORLD, createMethodPicker } from '../scene/method-picker';
import type { MethodPicker } from '../scene/method-picker';
import { STATION_WORLD } from '../scene/input-station';
import { stationSpot } from '../scene/network-view';
import { attributionState, chooseMethod, methodsOf } from './attribution';
import type { AppContext } from './context';

const pickers = new WeakMap<NetworkView, MethodPicker>();

export function methodPicker(view: NetworkView): MethodPicker | undefined {
  return pickers.get(view);
}

/**
 * The attribution method picker of a network: a panel right of its input canvas, turned towards a viewer standing
 * in front of it. It is a raycast target like every panel, so the mouse and the VR controllers pick alike.
 */
export function addMethodPicker(ctx: AppContext, view: NetworkView): MethodPicker {
  const picker = createMethodPicker(attributionState(view).method);
  const [ox, oz] = stationSpot(view.graph);
  picker.object.position.set(ox + STATION_WORLD.width / 2 + 0.1 + PICKER_WORLD.width / 2, 0.95 + PICKER_WORLD.height / 2, oz + 0.3);
  picker.object.rotation.y = -0.5;
  picker.object.userData.network = view.info.id;
  // repainted right before it is drawn: the canvas changes only on hover and choice, so it needs no per-frame hook
  picker.object.onBeforeRender = () => picker.update();
  view.object.add(picker.object);
  pickers.set(view, picker);
  methodsOf(ctx)
    .then((methods) => {
      picker.setMethods(methods);
      ctx.gate.invalidate();
    })
    .catch((err) => ctx.reportError(err));

  const at = (uv: { x: number; y: number } | null) => (uv ? picker.methodAt(uv.x, uv.y) : null);
  ctx.interaction.add(picker.object, {
    hover(hit) {
      picker.setHover(at(hit.uv));
      ctx.gate.invalidate();
    },
    hoverEnd() {
      picker.setHover(null);
      ctx.gate.invalidate();
    },
    select(hit) {
      const method = at(hit.uv);
      if (method) pick(ctx, view, picker, method);
    },
  });
  return picker;
}

/** Choose `method` for the network and run it; the button says "…" until its analysis is done. */
export function pick(ctx: AppContext, view: NetworkView, picker: MethodPicker, method: string): Promise<unknown> {
  picker.setSelected(method);
  picker.setRunning(method);
  ctx.gate.invalidate();
  return chooseMethod(ctx, view, method)
    .catch((err) => ctx.reportError(err))
    .finally(() => {
      if (picker.running === method) picker.setRunning(null);
      ctx.gate.invalidate();
    });
}
