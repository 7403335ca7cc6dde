import js from '@eslint/js';
import globals from 'globals';

export default [
  { ignores: ['src/avatarium/web/static/**/vendor/**', 'node_modules/**', 'artifacts/**', '.venv/**'] },
  js.configs.recommended,
  {
    files: ['src/avatarium/web/static/**/*.js'],
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: { ...globals.browser } },
    rules: {
      'no-unused-vars': ['error', { args: 'after-used', argsIgnorePattern: '^_' }],
      eqeqeq: 'error',
      'no-var': 'error',
      'prefer-const': 'error',
    },
  },
  {
    files: ['src/avatarium/web/static/widget.js', 'src/avatarium/web/static/docs/*.js'],
    languageOptions: { sourceType: 'script' },
  },
  {
    files: ['src/avatarium/web/static/docs/*.js'],
    languageOptions: { globals: { SwaggerUIBundle: 'readonly', Redoc: 'readonly' } },
  },
  {
    files: ['src/avatarium/web/static/sdk/pcm-worklet.js'],
    languageOptions: { globals: { ...globals.audioWorklet } },
  },
  { files: ['scripts/*.mjs', 'tests/js/*.mjs'], languageOptions: { globals: { ...globals.node } } },
  {
    files: ['examples/**/*.mjs'],
    languageOptions: { globals: { ...globals.node, WebSocket: 'readonly' } },
  },
];
