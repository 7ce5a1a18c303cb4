import type { NetworkInfo } from '../api/types';
import { el } from './dom';

/**
 * A standing notice over the scene for every network whose weights are (partly) random initialisation: its maps
 * and classes show an untrained network, which a researcher must know before reading anything into them. It stays
 * until closed. Nothing is shown when all networks are trained.
 */
export function showWeightsNotice(parent: HTMLElement, networks: readonly NetworkInfo[]): HTMLElement | null {
  const random = networks.filter((n) => n.random_weights);
  if (!random.length) return null;
  const notice = el('div', 'lw-weights');
  notice.id = 'lw-weights';
  notice.setAttribute('role', 'alert');
  for (const n of random) {
    const line = el('div', 'lw-weights-line', notice);
    el('strong', '', line, `${n.name}: random weights (${n.random_weights}).`);
    line.append(` Its maps and classes show an ${n.random_weights === 'every layer' ? 'untrained network' : 'untrained part'}, `
      + 'not learned features. Serve trained weights with --weights FILE (README, "Your own model").');
  }
  const close = el('button', 'lw-weights-close', notice, '×');
  close.title = 'hide this notice';
  close.addEventListener('click', () => notice.remove());
  parent.prepend(notice);
  return notice;
}
