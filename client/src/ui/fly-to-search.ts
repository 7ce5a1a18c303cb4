import { el } from './dom';

/** "Fly to layer": a search box with every layer name; Enter flies the camera there. F or / focuses it. */
export function createFlyToSearch(parent: HTMLElement, onFly: (query: string) => boolean): { setNames(names: string[]): void } {
  const form = el('form', 'lw-search', parent);
  const input = el('input', '', form);
  input.id = 'lw-search';
  input.placeholder = 'fly to layer…  (F)';
  input.setAttribute('list', 'lw-layer-names');
  input.autocomplete = 'off';
  const list = el('datalist', '', form);
  list.id = 'lw-layer-names';
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (onFly(input.value.trim())) input.blur();
    else input.classList.add('lw-miss');
  });
  input.addEventListener('input', () => input.classList.remove('lw-miss'));
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') input.blur();
    e.stopPropagation();
  });
  window.addEventListener('keydown', (e) => {
    if ((e.code === 'KeyF' || e.key === '/') && document.activeElement !== input) {
      e.preventDefault();
      document.exitPointerLock?.();
      input.focus();
      input.select();
    }
  });
  return {
    setNames(names) {
      list.replaceChildren(...names.map((n) => Object.assign(document.createElement('option'), { value: n })));
    },
  };
}
