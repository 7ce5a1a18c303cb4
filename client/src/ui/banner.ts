import { el } from './dom';

/** The "server unreachable" banner at the top of the page. */
export function createBanner(parent: HTMLElement): { show(text: string): void; hide(): void; readonly visible: boolean } {
  const banner = el('div', 'lw-banner', parent);
  banner.id = 'lw-banner';
  banner.hidden = true;
  return {
    get visible() {
      return !banner.hidden;
    },
    show(text) {
      banner.textContent = text;
      banner.hidden = false;
    },
    hide() {
      banner.hidden = true;
    },
  };
}
