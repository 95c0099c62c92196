// Lint rules for every part of Loop Lens. Type checking runs apart (`npm run typecheck`).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'out/', '.cache/', 'test/fixtures/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': ['error', { allowAsImport: true }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-restricted-syntax': [
        'error',
        { selector: "AssignmentExpression[left.property.name='innerHTML']", message: 'Never use innerHTML.' },
      ],
    },
  },
  {
    files: ['webview/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // The tracer runs inside the user's program: it may import Node built-ins only. Its wrappers use
    // `arguments` on purpose: they pass exactly what they were given, without a rest array.
    files: ['tracer/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: ['../model/*', '../cli/*', '../extension/*', '../webview/*', '../host/*'] },
      ],
      'prefer-rest-params': 'off',
    },
  },
  {
    // Plain CommonJS programs: the demo and the test fixtures.
    files: ['**/*.js', '**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
