// @ts-check
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

/**
 * The layers (docs/architecture.md, "Who may import whom"). A relative specifier that reaches into test/ from
 * anywhere, e.g. '../../test/x.js'; and one that names a testing/ or bench/ folder.
 */
const TEST_DIR = {
  regex: '^(\\.{1,2}/)+test/',
  message: 'Only tests in test/ may import from test/; move what others need into src/testing/.',
}
const TESTING_DIR = {
  regex: '(^|/)testing/',
  message: 'Production code must not import test tools (src/testing/); only tests and benchmarks may.',
}
const BENCH_DIR = {
  regex: '(^|/)bench/',
  message: 'Production code must not import benchmarks statically; src/cli/bench.ts loads each with import().',
}

export default tseslint.config(
  { ignores: ['node_modules', 'dist', 'web/dist', 'src/**/pb/*.ts', 'test-results', '.data'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': 'off',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    // Plain JavaScript run by Node itself (bin/ime.js, scripts/build.mjs): Node's globals.
    files: ['bin/**/*.js', 'scripts/**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', performance: 'readonly' } },
  },
  // Nothing outside test/ imports from test/.
  {
    files: ['**/*.{ts,js}'],
    ignores: ['test/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [TEST_DIR] }] },
  },
  // Production code (src/ and the web app, not their unit tests, not src/testing/) imports no test tools and no
  // benchmarks. (A later block replaces the rule's options, so TEST_DIR is repeated here.) The rule sees static
  // imports and re-exports only, not import(): that is how `ime bench` loads a benchmark when it is chosen.
  {
    files: ['src/**/*.ts', 'web/**/*.ts'],
    ignores: ['src/testing/**', '**/*.test.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [TEST_DIR, TESTING_DIR, BENCH_DIR] }] },
  },
)
