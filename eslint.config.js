// ESLint (flat config): the recommended JavaScript and typescript-eslint rules, without type
// information (`npm run lint` runs `tsc --noEmit` beside it, which already checks types), and the
// module boundaries of gx-trust (eslint-rules/module-boundaries.js).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import boundaries from './eslint-rules/module-boundaries.js';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'data/', 'keys/', '.tmp/', 'contexts/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    plugins: { 'gx-trust': boundaries },
    rules: {
      'gx-trust/domain-free-of-http': 'error',
      'gx-trust/inside-repository': 'error',
      'gx-trust/storage-below-domain': 'error',
      // `_name` is how the code says "deliberately unused" (an omitted property in a rest
      // destructuring, a parameter an interface requires).
      // A late-bound reference a closure reads before its one assignment (a verifier the status
      // check calls, built after it) cannot be const.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
    },
  },
  {
    // The web console runs in the browser (web/, bundled by Vite).
    files: ['web/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // Tests and the load driver read JSON answers and reports whose shape is what they assert.
    files: ['test/**', 'load/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
