import { el } from '../ui/dom';

export interface VrButton {
  readonly element: HTMLButtonElement;
  /** resolves with whether immersive VR is available here */
  readonly supported: Promise<boolean>;
  setPresenting(on: boolean): void;
}

const STYLE =
  'position:fixed;bottom:16px;left:50%;transform:translateX(-50%);z-index:12;padding:10px 22px;border-radius:22px;' +
  'border:1px solid #ffb454;background:rgba(22,26,34,.92);color:#e8ecf2;font:600 15px/1 inherit;cursor:pointer;';

/**
 * "Enter VR", shown only where `navigator.xr` supports immersive-vr. On plain http from another machine the
 * browser hides WebXR entirely; then a disabled button says why (WebXR needs https or localhost).
 */
export function createVrButton(parent: HTMLElement, enter: () => Promise<void>, exit: () => void): VrButton {
  const button = el('button', 'lw-vr-button', parent, 'Enter VR') as HTMLButtonElement;
  button.id = 'lw-vr-button';
  button.style.cssText = STYLE;
  button.hidden = true;
  let presenting = false;
  button.addEventListener('click', () => {
    if (presenting) return exit();
    button.disabled = true;
    enter()
      .catch((err) => {
        console.warn('could not start the VR session', err);
        button.textContent = 'VR failed — retry';
      })
      .finally(() => (button.disabled = false));
  });
  const supported = (async () => {
    const xr = (navigator as Navigator & { xr?: XRSystem }).xr;
    if (!xr) {
      if (!window.isSecureContext) {
        button.textContent = 'VR needs https or localhost';
        button.disabled = true;
        button.style.opacity = '0.6';
        button.hidden = false;
      }
      return false;
    }
    const ok = await xr.isSessionSupported('immersive-vr').catch(() => false);
    button.hidden = !ok;
    return ok;
  })();
  return {
    element: button, supported,
    setPresenting(on) {
      presenting = on;
      button.textContent = on ? 'Exit VR' : 'Enter VR';
    },
  };
}
