import { el } from './dom';

const HELP: [string, string][] = [
  ['W A S D / arrows', 'walk'],
  ['Space / E', 'up'],
  ['Q / C', 'down'],
  ['Shift (hold)', 'run ×3'],
  ['click empty space', 'mouse look (pointer lock), Esc to release'],
  ['right-drag', 'look around without locking'],
  ['click a dataset image', 'pick it up; click an input canvas to drop it in'],
  ['Esc', 'put the carried image back'],
  ['drop a file on the page', 'upload it as input (to the nearest network)'],
  ['drag a layer', 'move it; wheel over it: scale; ⟲ reset on its card'],
  ['hover a feature map', 'layer, channel, value range; click: magnify'],
  ['✦ feature vis (card)', 'optimise images for the layer\'s channels; pick one up and drop it in'],
  ['▶ Analyze network (output card)', 'why this class? Grad-CAM for the top-5 on every layer'],
  ['click a class (input canvas)', 'show the attribution for that class'],
  ['act · attr · blend (card), M', 'activations, attribution or both; output card and M: every panel'],
  ['⇅ importance (card)', 'order the maps by channel importance, then frame them by it'],
  ['F or /', 'fly to a layer by name'],
  ['L', 'layer tree: modules → layers, click to fly, ◉ hide/show, only, ⊟ collapse'],
  ['click the minimap', 'fly to the layer nearest that spot (the arrow: you are here)'],
  ['Home', 'back to the input canvas'],
  ['H', 'toggle this help'],
];

/** The controls overlay; H toggles it. */
export function createHelpOverlay(parent: HTMLElement): { toggle(force?: boolean): void } {
  const box = el('div', 'lw-help', parent);
  box.id = 'lw-help';
  el('h2', '', box, 'layerwalk — controls');
  const table = el('table', '', box);
  for (const [key, what] of HELP) {
    const row = el('tr', '', table);
    el('td', 'lw-key', row, key);
    el('td', '', row, what);
  }
  el('p', 'lw-dim', box, 'Blue = negative, black = zero, white = positive (per layer, around its zero level).');
  el('p', 'lw-dim', box, 'Attribution: red = for the class, white = no effect, blue = against.');
  const toggle = (force?: boolean) => box.classList.toggle('lw-hidden', force === undefined ? undefined : !force);
  if (new URLSearchParams(location.search).get('help') === '0') toggle(false);
  window.addEventListener('keydown', (e) => {
    if (e.code === 'KeyH' && !(e.target instanceof HTMLInputElement)) toggle();
  });
  return { toggle };
}
