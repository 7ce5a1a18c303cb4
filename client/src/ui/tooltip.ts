import { el } from './dom';

export interface Tooltip {
  show(x: number, y: number, lines: string[]): void;
  hide(): void;
}

/** Small text box that follows the pointer, always inside the window. */
export function createTooltip(parent: HTMLElement): Tooltip {
  const tip = el('div', 'lw-tooltip', parent);
  tip.id = 'lw-tooltip';
  tip.hidden = true;
  let last = '';
  return {
    show(x, y, lines) {
      const text = lines.join('\n');
      if (text !== last) {
        tip.textContent = text;
        last = text;
      }
      tip.hidden = false;
      // kept on screen: flipped to the pointer's other side where it would leave the window
      const w = tip.offsetWidth;
      const h = tip.offsetHeight;
      const left = x + 16 + w > window.innerWidth ? Math.max(0, x - 16 - w) : x + 16;
      const top = y + 16 + h > window.innerHeight ? Math.max(0, y - 16 - h) : y + 16;
      tip.style.transform = `translate(${Math.round(left)}px, ${Math.round(top)}px)`;
    },
    hide() {
      tip.hidden = true;
    },
  };
}
