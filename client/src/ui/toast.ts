import { el } from './dom';

export type Toast = (message: string, kind?: 'error' | 'info' | 'ok') => void;

/** Short messages at the bottom of the screen; errors stay longer. */
export function createToasts(parent: HTMLElement): Toast {
  const box = el('div', 'lw-toasts', parent);
  box.id = 'lw-toasts';
  return (message, kind = 'info') => {
    const t = el('div', `lw-toast lw-toast-${kind}`, box, message);
    while (box.children.length > 5) box.firstElementChild?.remove();
    window.setTimeout(() => t.remove(), kind === 'error' ? 9000 : 4000);
  };
}
