// Lint rules for the client (run by `npm run lint`, and by tests/test_client_tooling.py in the test command).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const FRAME_MESSAGE = 'wait for frames with ctx.scheduler (onNextFrame, frames): it runs in VR too';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'src/api/schema.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // an XR session drives the frames through renderer.setAnimationLoop and window.requestAnimationFrame never
    // fires while it presents: every "wait for the next frame" goes through the frame scheduler instead
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-globals': ['error', { name: 'requestAnimationFrame', message: FRAME_MESSAGE }],
      'no-restricted-properties': ['error', { object: 'window', property: 'requestAnimationFrame', message: FRAME_MESSAGE }],
    },
  },
);
