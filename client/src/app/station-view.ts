import { Vector3 } from 'three';
import { stationSpot } from '../scene/network-view';
import type { NetworkView } from '../scene/network-view';
import type { AppContext } from './context';

// The start view: a network's input canvas and dataset panel in front of the camera, at eye height.
const _look = new Vector3();
const _eye = new Vector3();

function startView(view: NetworkView): [Vector3, Vector3] {
  const [ox, oz] = stationSpot(view.graph);
  return [_eye.set(view.offsetX + ox - 0.5, 1.7, oz + 3.3), _look.set(view.offsetX + ox - 0.7, 1.2, oz)];
}

/** Fly back to where a network's input canvas and dataset panel are in view (the start view). */
export function flyToStation(ctx: AppContext, view: NetworkView): void {
  const [eye, look] = startView(view);
  ctx.locomotion.flyTo(eye, look);
}

/** Put the camera at the start view at once (when the scene is first built). */
export function placeStartCamera(ctx: AppContext, view: NetworkView): void {
  const [eye, look] = startView(view);
  ctx.world.camera.position.copy(eye);
  ctx.world.camera.lookAt(look);
  ctx.locomotion.syncFromCamera();
}
