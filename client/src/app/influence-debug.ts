import { Vector3 } from 'three';
import type { AppContext } from './context';
import { influenceState, runInfluence } from './influence';

const _v = new Vector3();

/**
 * `window.__layerwalk.influence`: what the proponent wall shows and where to aim at it, for tests. Nothing in the
 * client depends on it.
 */
export function influenceDebug(ctx: AppContext) {
  const stateOf = (nid: string) => {
    const s = influenceState(nid);
    if (!s) throw new Error(`network ${nid} has no proponent wall (no dataset panel)`);
    return s;
  };
  const worldOf = (u: number, v: number, nid: string) => {
    const mesh = stateOf(nid).wall.object;
    const g = (mesh.geometry as unknown as { parameters: { width: number; height: number } }).parameters;
    mesh.updateWorldMatrix(true, false);
    return mesh.localToWorld(_v.set((u - 0.5) * g.width, (v - 0.5) * g.height, 0)).toArray();
  };
  return {
    /** start the job as the wall's button does; resolves with the job's result */
    run: (nid = 'n0') => runInfluence(ctx, stateOf(nid)),
    state(nid = 'n0') {
      const s = stateOf(nid);
      return {
        running: s.running, following: s.following, job: s.job, status: s.wall.status, version: s.result?.version ?? null,
        entries: s.wall.entries.map((e) => ({ index: e.index, score: e.score, kind: e.kind, loaded: e.bitmap !== null })),
      };
    },
    /** world point of the centre of entry i of the wall, and of its run button */
    entryWorld: (i: number, nid = 'n0') => {
      const [u, v] = stateOf(nid).wall.entryUv(i);
      return worldOf(u, v, nid);
    },
    /** a point 2 m in front of the wall's centre, to look at it from */
    eyeWorld: (nid = 'n0') => {
      const mesh = stateOf(nid).wall.object;
      mesh.updateWorldMatrix(true, false);
      return mesh.localToWorld(_v.set(0, 0, 2)).toArray();
    },
    runWorld: (nid = 'n0') => {
      const [u, v] = stateOf(nid).wall.runUv();
      return worldOf(u, v, nid);
    },
  };
}
