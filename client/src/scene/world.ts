import {
  AmbientLight, Color, DirectionalLight, FogExp2, HemisphereLight, Mesh, PerspectiveCamera, PlaneGeometry, Scene,
  ShaderMaterial, WebGLRenderer,
} from 'three';

export interface World {
  renderer: WebGLRenderer;
  /** the GPU is emulated on the CPU (SwiftShader, llvmpipe): fewer pixels, no MSAA */
  software: boolean;
  scene: Scene;
  camera: PerspectiveCamera;
  resize(): void;
  dispose(): void;
}

/** The camera's near plane (m): nothing closer is drawn, so nothing closer may take the pointer either. */
export const CAMERA_NEAR = 0.05;

/** Renderer, camera, the dark workshop floor with its grid and soft light for the non-panel things. */
export function createWorld(container: HTMLElement): World {
  // Software GL (CI, VMs, some headsets) is fill-rate bound: no MSAA and 3/4 of the pixels there.
  // ?aa=0|1 and ?pr=<pixel ratio> override.
  const query = new URLSearchParams(location.search);
  const software = isSoftwareGl();
  const antialias = query.has('aa') ? query.get('aa') !== '0' : !software;
  const renderer = new WebGLRenderer({ antialias, powerPreference: 'high-performance' });
  const ratio = Number(query.get('pr')) || (software ? 0.75 : Math.min(window.devicePixelRatio, 2));
  renderer.setPixelRatio(ratio);
  renderer.setSize(container.clientWidth, container.clientHeight);
  renderer.xr.enabled = true; // the same animation loop drives WebXR sessions (xr/vr-mode.ts)
  container.appendChild(renderer.domElement);
  const scene = new Scene();
  scene.background = new Color(0x0e1117);
  scene.fog = new FogExp2(0x0e1117, 0.018);
  const camera = new PerspectiveCamera(68, container.clientWidth / container.clientHeight, CAMERA_NEAR, 500);
  camera.position.set(0, 1.6, 4);
  scene.add(new HemisphereLight(0x9fb4d8, 0x1a1c22, 0.9), new AmbientLight(0xffffff, 0.15));
  const sun = new DirectionalLight(0xfff1dd, 0.8);
  sun.position.set(8, 20, 10);
  scene.add(sun);
  const floor = createFloor();
  scene.add(floor);
  const resize = () => {
    camera.aspect = container.clientWidth / container.clientHeight;
    camera.updateProjectionMatrix();
    renderer.setSize(container.clientWidth, container.clientHeight);
  };
  window.addEventListener('resize', resize);
  return {
    renderer, software, scene, camera, resize,
    dispose() {
      window.removeEventListener('resize', resize);
      renderer.dispose();
    },
  };
}

/** Is WebGL emulated on the CPU? Asked of a throw-away context, before the renderer picks its options. */
function isSoftwareGl(): boolean {
  const gl = document.createElement('canvas').getContext('webgl2');
  if (!gl) return false;
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  const name = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return /swiftshader|llvmpipe|softpipe|software|lavapipe/i.test(name);
}

const floorVertex = /* glsl */ `
varying vec2 vXZ;
varying float vDepth;
void main() {
  vec4 world = modelMatrix * vec4(position, 1.0);
  vXZ = world.xz;
  vec4 view = viewMatrix * world;
  vDepth = -view.z;
  gl_Position = projectionMatrix * view;
}`;

// Metre lines and brighter 5 m lines computed from the world position (no texture fetches: cheap in software
// GL), anti-aliased with fwidth and faded into the background with distance (the scene's fog, by hand).
const floorFragment = /* glsl */ `
uniform vec3 base;
uniform vec3 line;
uniform vec3 major;
uniform vec3 fogColor;
uniform float fogDensity;
varying vec2 vXZ;
varying float vDepth;
float grid(vec2 p, float width) {
  vec2 d = abs(fract(p - 0.5) - 0.5) / fwidth(p);
  return 1.0 - clamp(min(d.x, d.y) - width, 0.0, 1.0);
}
void main() {
  vec3 c = mix(base, line, grid(vXZ, 0.5));
  c = mix(c, major, grid(vXZ / 5.0, 0.8));
  float fog = 1.0 - exp(-fogDensity * fogDensity * vDepth * vDepth);
  gl_FragColor = vec4(mix(c, fogColor, fog), 1.0);
  #include <colorspace_fragment>
}`;

/** One big unlit plane with a procedural grid (metre and 5 m lines): one draw call, no texture. */
function createFloor(): Mesh {
  const extent = 1000;
  const material = new ShaderMaterial({
    vertexShader: floorVertex,
    fragmentShader: floorFragment,
    uniforms: {
      base: { value: new Color(0x050609) },
      line: { value: new Color(0x0a0d12) },
      major: { value: new Color(0x141920) },
      fogColor: { value: new Color(0x0e1117) },
      fogDensity: { value: 0.018 },
    },
  });
  const floor = new Mesh(new PlaneGeometry(extent, extent), material);
  floor.rotation.x = -Math.PI / 2;
  floor.name = 'floor';
  return floor;
}
