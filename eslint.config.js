// Lint rules for every TypeScript file tsc compiles. Type-aware: the rules that catch real bugs in a daemon
// (a promise nobody awaits, a promise where a callback is expected) need the type checker.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { importX } from 'eslint-plugin-import-x';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'native/build*/**', 'bench/results/**', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    rules: {
      // node:test's test() and describe() return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] }] },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Fastify plugins and handlers are async by convention (a plugin may register async work later); a
      // command's run() keeps one signature whether or not it awaits today.
      '@typescript-eslint/require-await': 'off',
      // Timers declared before the callbacks that clear them are assigned once, later: still `let`.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      'import-x/no-cycle': 'error',
      'import-x/no-self-import': 'error',
    },
  },
  {
    // Published coefficients, kept digit for digit as printed so they can be checked against the source.
    files: ['daemon/src/stats/normal.ts'],
    rules: { 'no-loss-of-precision': 'off' },
  },
);
