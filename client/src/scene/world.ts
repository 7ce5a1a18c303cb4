import {
  AmbientLight, CanvasTexture, Color, DirectionalLight, FogExp2, HemisphereLight, Mesh, MeshLambertMaterial,
  PerspectiveCamera, PlaneGeometry, NoColorSpace, RepeatWrapping, Scene, WebGLRenderer,
} from 'three';

export interface World {
  renderer: WebGLRenderer;
  scene: Scene;
  camera: PerspectiveCamera;
  resize(): void;
  dispose(): void;
}

/** Renderer, camera, the dark workshop floor with its grid and soft light for the non-panel things. */
export function createWorld(container: HTMLElement): World {
  // ?aa=0 turns MSAA off (software GL in CI is fill-rate bound)
  const antialias = new URLSearchParams(location.search).get('aa') !== '0';
  const renderer = new WebGLRenderer({ antialias, powerPreference: 'high-performance' });
  renderer.setPixelRatio(Math.min(window.devicePixelRatio, 2));
  renderer.setSize(container.clientWidth, container.clientHeight);
  renderer.xr.enabled = true; // the same loop drives WebXR sessions later (issue 5)
  container.appendChild(renderer.domElement);
  const scene = new Scene();
  scene.background = new Color(0x0e1117);
  scene.fog = new FogExp2(0x0e1117, 0.018);
  const camera = new PerspectiveCamera(68, container.clientWidth / container.clientHeight, 0.05, 500);
  camera.position.set(0, 1.6, 4);
  scene.add(new HemisphereLight(0x9fb4d8, 0x1a1c22, 0.9), new AmbientLight(0xffffff, 0.15));
  const sun = new DirectionalLight(0xfff1dd, 0.8);
  sun.position.set(8, 20, 10);
  scene.add(sun);
  const floor = createFloor(renderer);
  scene.add(floor);
  const resize = () => {
    camera.aspect = container.clientWidth / container.clientHeight;
    camera.updateProjectionMatrix();
    renderer.setSize(container.clientWidth, container.clientHeight);
  };
  window.addEventListener('resize', resize);
  return {
    renderer, scene, camera, resize,
    dispose() {
      window.removeEventListener('resize', resize);
      renderer.dispose();
    },
  };
}

/** One big plane with a tiled grid texture: metre lines and 5 m lines, one draw call. */
function createFloor(renderer: WebGLRenderer): Mesh {
  const size = 256;
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = size;
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = '#050609';
  ctx.fillRect(0, 0, size, size);
  ctx.fillStyle = '#0b0e13';
  for (let i = 0; i < 5; i++) {
    ctx.fillRect((i * size) / 5, 0, 2, size);
    ctx.fillRect(0, (i * size) / 5, size, 2);
  }
  ctx.fillStyle = '#161b23';
  ctx.fillRect(0, 0, 3, size);
  ctx.fillRect(0, 0, size, 3);
  const texture = new CanvasTexture(canvas);
  texture.colorSpace = NoColorSpace; // see canvas-material.ts: sRGB textures are slow in software GL
  texture.wrapS = texture.wrapT = RepeatWrapping;
  texture.anisotropy = Math.min(4, renderer.capabilities.getMaxAnisotropy());
  const extent = 1000;
  texture.repeat.set(extent / 5, extent / 5);
  const floor = new Mesh(
    new PlaneGeometry(extent, extent),
    new MeshLambertMaterial({ map: texture }),
  );
  floor.rotation.x = -Math.PI / 2;
  floor.name = 'floor';
  return floor;
}
