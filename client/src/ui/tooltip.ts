import { el } from './dom';

export interface Tooltip {
  show(x: number, y: number, lines: string[]): void;
  hide(): void;
}

/** Small text box that follows the pointer. */
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
      tip.style.transform = `translate(${Math.round(x + 16)}px, ${Math.round(y + 16)}px)`;
      tip.hidden = false;
    },
    hide() {
      tip.hidden = true;
    },
  };
}
