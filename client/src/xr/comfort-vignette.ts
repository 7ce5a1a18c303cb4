import { Mesh, PlaneGeometry, ShaderMaterial } from 'three';
import type { Camera } from 'three';

export interface ComfortVignette {
  readonly object: Mesh;
  /** 0 = off … 1 = strongest; eased so it never pops */
  setStrength(target: number, dt: number): void;
  dispose(): void;
}

/**
 * Comfort vignette: darkens the edge of the view while the rig moves or turns artificially (smooth locomotion),
 * which reduces motion sickness. A quad in front of the eyes, attached to the camera; invisible (no draw) at rest.
 */
export function createComfortVignette(camera: Camera, enabled = true): ComfortVignette {
  const material = new ShaderMaterial({
    uniforms: { strength: { value: 0 } },
    vertexShader: /* glsl */ `
      varying vec2 vUv;
      void main() { vUv = uv; gl_Position = projectionMatrix * modelViewMatrix * vec4(position, 1.0); }`,
    fragmentShader: /* glsl */ `
      uniform float strength;
      varying vec2 vUv;
      void main() {
        float r = length(vUv - 0.5) * 2.0;
        float inner = mix(1.2, 0.45, strength);
        gl_FragColor = vec4(0.0, 0.0, 0.0, smoothstep(inner, inner + 0.25, r) * strength);
      }`,
    transparent: true,
    depthTest: false,
    depthWrite: false,
  });
  // 0.1 m in front of the eyes, wide enough for a ~110° field of view
  const mesh = new Mesh(new PlaneGeometry(0.5, 0.5), material);
  mesh.name = 'comfort-vignette';
  mesh.position.set(0, 0, -0.1);
  mesh.renderOrder = 2000;
  mesh.frustumCulled = false;
  mesh.visible = false;
  camera.add(mesh);
  let strength = 0;
  return {
    object: mesh,
    setStrength(target, dt) {
      if (!enabled) target = 0;
      const rate = target > strength ? 6 : 3;
      strength += Math.max(-rate * dt, Math.min(rate * dt, target - strength));
      material.uniforms.strength.value = strength;
      mesh.visible = strength > 0.01;
    },
    dispose() {
      camera.remove(mesh);
      material.dispose();
      mesh.geometry.dispose();
    },
  };
}
