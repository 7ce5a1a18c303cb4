import { DoubleSide, NoColorSpace, ShaderMaterial, Texture } from 'three';

/**
 * Unlit material for canvas-drawn textures (cards, labels, dataset panel, input canvas). The texture keeps the
 * canvas' sRGB bytes as they are (NoColorSpace) and the shader writes them straight to the sRGB framebuffer:
 * same colours as MeshBasicMaterial + SRGBColorSpace, but without sRGB-texture decoding, which makes mip-mapped
 * sampling many times slower in software GL (SwiftShader, CI, some standalone headsets).
 */
export function createCanvasMaterial(map: Texture, options: { depthTest?: boolean; depthWrite?: boolean } = {}): ShaderMaterial {
  map.colorSpace = NoColorSpace;
  return new ShaderMaterial({
    uniforms: { map: { value: map } },
    vertexShader: /* glsl */ `
      varying vec2 vUv;
      void main() {
        vUv = uv;
        gl_Position = projectionMatrix * modelViewMatrix * vec4(position, 1.0);
      }`,
    fragmentShader: /* glsl */ `
      uniform sampler2D map;
      varying vec2 vUv;
      void main() {
        vec4 c = texture2D(map, vUv);
        if (c.a < 0.01) discard;
        gl_FragColor = c;
      }`,
    transparent: true,
    side: DoubleSide,
    depthTest: options.depthTest ?? true,
    depthWrite: options.depthWrite ?? true,
  });
}
