import { Euler, Object3D, Quaternion, Ray, Vector3 } from 'three';
import type { AppContext, Carry } from '../app/context';
import type { LayerVisibility } from '../app/layer-visibility';
import { cardButtonPoint } from '../scene/info-card';
import type { CardButton } from '../scene/info-card';
import { XRControllerPointer } from '../input/xr-controller-pointer';
import { createControllerTool } from './controller-tool';
import type { ControllerTool } from './controller-tool';
import { createMagnifierHologram } from './magnifier-hologram';
import type { WorldTooltip } from './world-tooltip';
import { createVrButton } from './vr-button';
import { createVrLocomotion } from './vr-locomotion';
import { createWristLayerMenu } from './wrist-layer-menu';

/** Layer of things only the desktop view shows (the desktop's carried image: VR has the hologram instead). */
export const DESKTOP_ONLY_LAYER = 5;
const SCALE_RATE = 1.2; // per second at full stick while holding a panel

const _euler = new Euler(0, 0, 0, 'YXZ');
const _gaze = new Ray();
const _v = new Vector3();
const _q = new Quaternion();
const FORWARD = new Vector3(0, 0, -1);

export interface VrMode {
  readonly presenting: boolean;
  /** once per frame while presenting, instead of the desktop locomotion */
  update(dt: number): void;
  readonly debug: ReturnType<typeof createDebug> & { menu: ReturnType<typeof createWristLayerMenu>['debug'] };
}

/**
 * VR mode: the "Enter VR" button, the rig (tracking origin on the floor at the desktop camera's spot),
 * two controller pointers in the same interaction manager as the mouse, locomotion, the magnifying hologram of
 * the carried image, the world-space hover info and the layer menu on the left wrist (the layer tree's toggles,
 * `visibility`). The scene itself is the desktop's, unchanged.
 */
export function createVrMode(ctx: AppContext, overlay: HTMLElement, visibility: LayerVisibility): VrMode {
  const { renderer, scene, camera } = ctx.world;
  const xr = renderer.xr;
  const params = new URLSearchParams(location.search);
  const locomotion = createVrLocomotion(camera, { vignette: params.get('vignette') !== '0' });
  const pointers = [0, 1].map((i) => new XRControllerPointer(`xr-${i}`, xr, i, camera));
  const tools: ControllerTool[] = pointers.map(createControllerTool);
  const hologram = createMagnifierHologram(renderer);
  const tooltip = ctx.worldTooltip;
  const menu = createWristLayerMenu(ctx, visibility, camera);
  for (const p of pointers) locomotion.rig.add(p.targetRay, p.grip);
  scene.add(locomotion.rig, hologram.object, tooltip.object);
  camera.layers.enable(DESKTOP_ONLY_LAYER);
  ctx.carried.object.layers.set(DESKTOP_ONLY_LAYER);

  let carrier: XRControllerPointer = pointers[0];
  let shownCarry: Carry | null = null;
  let desktopFov = camera.fov;
  // the hand that last pressed the trigger is the one holding the tool that picked the image up
  pointers.forEach((p) => p.addListener((e) => e.type === 'selectend' && (carrier = p)));

  const button = createVrButton(overlay, async () => {
    const session = await navigator.xr!.requestSession('immersive-vr', { optionalFeatures: ['local-floor', 'bounded-floor'] });
    xr.setReferenceSpaceType('local-floor');
    await xr.setSession(session);
  }, () => xr.getSession()?.end());

  xr.addEventListener('sessionstart', () => {
    desktopFov = camera.fov;
    // the tracking origin goes on the floor below the desktop camera, facing the same way
    _euler.setFromQuaternion(camera.quaternion, 'YXZ');
    locomotion.rig.position.set(camera.position.x, 0, camera.position.z);
    locomotion.rig.rotation.set(0, _euler.y, 0);
    locomotion.rig.add(camera);
    camera.position.set(0, 1.6, 0);
    camera.quaternion.identity();
    locomotion.rig.updateMatrixWorld(true);
    camera.layers.disable(DESKTOP_ONLY_LAYER);
    ctx.interaction.removePointer(ctx.pointer);
    ctx.tooltip.hide();
    pointers.forEach((p) => ctx.interaction.addPointer(p));
    button.setPresenting(true);
    document.body.classList.add('lw-vr');
  });
  xr.addEventListener('sessionend', () => {
    pointers.forEach((p) => ctx.interaction.removePointer(p));
    ctx.interaction.addPointer(ctx.pointer);
    camera.getWorldPosition(_v);
    camera.getWorldQuaternion(_q);
    scene.add(camera);
    _euler.setFromQuaternion(_q, 'YXZ');
    camera.position.set(_v.x, Math.max(1.2, _v.y), _v.z);
    camera.quaternion.setFromEuler(_euler.set(0, _euler.y, 0, 'YXZ'));
    camera.fov = desktopFov;
    ctx.world.resize();
    ctx.locomotion.syncFromCamera();
    camera.layers.enable(DESKTOP_ONLY_LAYER);
    hologram.hide();
    menu.hide();
    shownCarry = null;
    button.setPresenting(false);
    document.body.classList.remove('lw-vr');
  });

  const syncHologram = () => {
    if (ctx.store.carry === shownCarry) return;
    shownCarry = ctx.store.carry;
    if (!shownCarry) return hologram.hide();
    showCarry(ctx, shownCarry, (image, pixelated) => shownCarry === ctx.store.carry && hologram.show(image, ctx.store.carry!.label, pixelated));
  };

  const vr: VrMode = {
    get presenting() {
      return xr.isPresenting;
    },
    update(dt) {
      const left = pointers.find((p) => p.connected && p.handedness === 'left') ?? null;
      const right = pointers.find((p) => p.connected && p.handedness !== 'left') ?? null;
      for (const p of pointers) {
        // thumbstick while holding a panel: push to grow, pull to shrink
        const y = p.squeezing ? p.stick().y : 0;
        if (y) p.scale(Math.exp(-y * SCALE_RATE * dt));
      }
      const flight = ctx.locomotion.takeFlight(); // a fly-to asked for in VR (layer tree, search, a test)
      if (flight) locomotion.standAt(flight.position, flight.lookAt);
      locomotion.update(dt, left, right);
      menu.update(left);
      pointers.forEach((p, i) => tools[i].update(ctx.interaction.hovered(p)?.distance ?? null));
      syncHologram();
      camera.updateMatrixWorld();
      _gaze.origin.setFromMatrixPosition(camera.matrixWorld);
      _gaze.direction.copy(FORWARD).transformDirection(camera.matrixWorld);
      hologram.update(carrier, _gaze);
    },
    debug: Object.assign(createDebug(ctx, locomotion, pointers, hologram, tooltip, () => button.supported), { menu: menu.debug }),
  };
  return vr;
}

/** The carried item's picture at full resolution: the dataset's original image, else the desktop's carried canvas. */
function showCarry(ctx: AppContext, carry: Carry, done: (image: CanvasImageSource | null, pixelated: boolean) => void): void {
  const source = carry.source;
  if (source.source === 'noise') return done(null, true);
  const fallback = () => done((ctx.carried.object.material as { uniforms?: { map: { value: { image: CanvasImageSource } } } })
    .uniforms?.map.value.image ?? null, false);
  if (source.source !== 'dataset') return fallback();
  ctx.api.image(ctx.api.datasetImageUrl(source.dataset, source.index), `load image ${source.index} of ${source.dataset}`)
    .then((bitmap) => done(bitmap, Math.max(bitmap.width, bitmap.height) < 256))
    .catch(fallback);
}

/** `window.__layerwalk.vr`: state and world positions for tests and benchmarks. */
function createDebug(
  ctx: AppContext, locomotion: ReturnType<typeof createVrLocomotion>, pointers: XRControllerPointer[],
  hologram: ReturnType<typeof createMagnifierHologram>, tooltip: WorldTooltip,
  supported: () => Promise<boolean>,
) {
  const rig = locomotion.rig;
  return {
    supported,
    get presenting() {
      return ctx.world.renderer.xr.isPresenting;
    },
    get rig() {
      _euler.setFromQuaternion(rig.quaternion, 'YXZ');
      return { x: rig.position.x, y: rig.position.y, z: rig.position.z, yaw: _euler.y };
    },
    get head() {
      ctx.world.camera.getWorldPosition(_v);
      return { x: _v.x, y: _v.y, z: _v.z };
    },
    get pointers() {
      return pointers.map((p) => {
        const hit = ctx.interaction.hovered(p);
        return {
          id: p.id, handedness: p.handedness, connected: p.connected, selecting: p.selecting, squeezing: p.squeezing,
          origin: p.ray.origin.toArray(), direction: p.ray.direction.toArray(), hovered: hit?.object.name ?? null,
        };
      });
    },
    get hologram() {
      return { visible: hologram.visible, lens: hologram.lensCenter.toArray(), position: hologram.object.position.toArray() };
    },
    get tooltip() {
      return tooltip.text;
    },
    get aiming() {
      return locomotion.aiming;
    },
    /** world position of a named object, or of a point given in its local coordinates */
    worldOf(name: string, local: [number, number, number] = [0, 0, 0]) {
      const o: Object3D | undefined = ctx.world.scene.getObjectByName(name);
      if (!o) return null;
      o.updateWorldMatrix(true, false);
      return o.localToWorld(_v.fromArray(local)).toArray();
    },
    /** a world point → tracking (local-floor) space, where the emulated controllers are posed */
    toTracking(world: [number, number, number]) {
      rig.updateMatrixWorld(true);
      return rig.worldToLocal(_v.fromArray(world)).toArray();
    },
    /** views rendered per frame (2 = stereo) */
    get views() {
      return ctx.world.renderer.xr.getCamera().cameras.length;
    },
    /** put the tracking origin at (x, z) facing yaw (tests: start each check from a known spot) */
    placeRig(x: number, z: number, yaw = 0) {
      rig.position.set(x, 0, z);
      rig.rotation.set(0, yaw, 0);
      rig.updateMatrixWorld(true);
    },
    /** world point of the centre of a button on a layer's info card */
    cardButtonWorld(nid: string, lid: string, button: CardButton) {
      const slot = ctx.store.views.get(nid)?.cards.get(lid)?.slot;
      return slot ? cardButtonPoint(slot, button, _v).toArray() : null;
    },
    /** world point of the centre of a dataset panel button ('prev' | 'next' | 'noise') */
    datasetButtonWorld(kind: 'prev' | 'next' | 'noise', panel = 0) {
      const dp = ctx.store.datasetPanels[panel];
      if (!dp) return null;
      let su = 0, sv = 0, n = 0;
      for (let v = 0; v <= 1; v += 0.005) for (let u = 0; u <= 1; u += 0.005) {
        if (dp.targetAt(u, v)?.kind === kind) [su, sv, n] = [su + u, sv + v, n + 1];
      }
      if (!n) return null;
      const g = (dp.object.geometry as unknown as { parameters: { width: number; height: number } }).parameters;
      dp.object.updateWorldMatrix(true, false);
      return dp.object.localToWorld(_v.set((su / n - 0.5) * g.width, (sv / n - 0.5) * g.height, 0)).toArray();
    },
    datasetPage: (panel = 0) => ctx.store.datasetPanels[panel]?.page ?? null,
    /** the world point at dataset item i's thumbnail centre */
    datasetItemWorld(i: number, panel = 0) {
      const dp = ctx.store.datasetPanels[panel];
      if (!dp) return null;
      const [u, v] = dp.itemUv(i);
      const g = (dp.object.geometry as unknown as { parameters: { width: number; height: number } }).parameters;
      dp.object.updateWorldMatrix(true, false);
      return dp.object.localToWorld(_v.set((u - 0.5) * g.width, (v - 0.5) * g.height, 0)).toArray();
    },
  };
}
