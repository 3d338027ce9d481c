// Lint: typescript-eslint recommended rules plus the layer rule of docs/architecture.md.
// A module may import only from its own layer or layers above it; the pure layers
// (core .. optimize) may not import Node built-ins. Functions over 80 lines warn.
// Import cycles (type-only imports included) are checked by dependency-cruiser
// (.dependency-cruiser.cjs), run by `npm run lint` after eslint.
import tseslint from 'typescript-eslint';
import boundaries from 'eslint-plugin-boundaries';

const layers = [
  'core',
  'instruments',
  'pricing',
  'market',
  'scenarios',
  'risk',
  'margin',
  'account',
  'optimize',
  'engine',
  'io',
  'workers',
  'app',
  'store',
  'server',
  'cluster',
  'cli',
];
const pure = layers.slice(0, layers.indexOf('engine') + 1);

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'coverage/',
      'dist/',
      'test/fixtures/',
      'data/',
      '.scratch/',
      'web/bundle/',
      'test-output/',
    ],
  },
  ...tseslint.configs.recommended,
  {
    files: ['src/**/*.ts'],
    plugins: { boundaries },
    settings: {
      'boundaries/elements': layers.map((l) => ({ type: l, pattern: `src/${l}/**` })),
    },
    rules: {
      'boundaries/dependencies': [
        'error',
        {
          default: 'disallow',
          message:
            'layer {{from.element.type}} may not import from {{to.element.type}} (see docs/architecture.md)',
          policies: [
            ...layers.map((l, i) => ({
              from: { element: { type: l } },
              allow: { to: { element: { types: { anyOf: layers.slice(0, i + 1) } } } },
            })),
            { allow: { to: { module: { origin: 'external' } } } },
            { allow: { to: { module: { origin: 'core' } } } },
          ],
        },
      ],
    },
  },
  {
    files: pure.map((l) => `src/${l}/**/*.ts`),
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'fs', 'path', 'os', 'child_process', 'process'],
              message: 'pure layers do no I/O',
            },
          ],
        },
      ],
      'no-restricted-globals': ['error', 'process'],
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'pure layers have no clock',
        },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'use the seeded RNG in core' },
        { object: 'Date', property: 'now', message: 'pure layers have no clock' },
      ],
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      'max-lines-per-function': ['warn', { max: 80, skipBlankLines: true, skipComments: true }],
    },
  },
  {
    // app/: use cases take the clock and randomness from the adapter, and do no I/O themselves.
    files: ['src/app/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*', 'fs', 'path', 'os', 'child_process'], message: 'app/ does no I/O' },
          ],
        },
      ],
      'no-restricted-globals': ['error', 'process'],
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'app/ takes the clock from the adapter',
        },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'use the seeded RNG in core' },
        { object: 'Date', property: 'now', message: 'app/ takes the clock from the adapter' },
      ],
    },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
);
