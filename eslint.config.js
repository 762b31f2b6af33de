// @ts-check
import { readdirSync } from 'node:fs';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The packages src/core may import: pure libraries only. Anything else (node: modules, I/O and
 * platform libraries, whatever a new platform or feature brings) is refused there without a list
 * to keep up to date. cron-parser (with its luxon) computes dates from the ones it is given: the
 * maintenance windows' firings (src/core/detection/maintenance.ts).
 */
const CORE_PACKAGES = ['zod', 'cron-parser'];
const restrict = (
  /** @type {string[]} */ names,
  /** @type {string[]} */ patterns,
  /** @type {string} */ message,
) => ({
  'no-restricted-imports': [
    'error',
    {
      paths: names.map((name) => ({ name, message })),
      patterns: patterns.map((group) => ({ group: [group], message })),
    },
  ],
});

/** The platform folders under src/platforms/ (one per platform, src/platforms/registry.ts lists them). */
function platformFolders() {
  return readdirSync(fileURLToPath(import.meta.resolve('./src/platforms/')), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

const CORE_IS_PURE = 'src/core is pure: no I/O module, no platform library, no package but pure ones.';

const ROOT = path.dirname(fileURLToPath(import.meta.url));

/**
 * The layers of src/, from the bottom up: each entry of src/ (a folder, or a file at its top) may
 * import from its own layer and the layers below, never from a layer above. Every entry of src/ is
 * in one layer (test/lint/layers.test.ts reads src/ and fails on an entry that is in none), so a new
 * folder gets its place here. docs/design.md §2 says what each one owns.
 */
export const LAYERS = [
  ['core'],
  ['logging.ts', 'sources'],
  ['monitors'],
  ['config'],
  ['chat-monitors'],
  ['db', 'dispatch'],
  ['crowd-runtime', 'metrics', 'charts'],
  ['web', 'platforms'],
  ['cluster'],
  ['app-config.ts'],
  ['features'],
  ['demo'],
  ['app.ts'],
  ['main.ts'],
];

/**
 * LAYERS as zones of `import-x/no-restricted-paths`: one zone for each layer and each layer above
 * it (target: the lower layer's entries, from: the higher layer's), so that together a layer's
 * zones forbid every entry above it, and the message names both layers. The plugin resolves each
 * import to its file and sees value and type-only imports, re-exports and dynamic `import()`; an
 * `import('…')` type is not an import to it, so `@typescript-eslint/consistent-type-imports`
 * (below) forbids those in src/. Should a back-arrow ever have to stay for a while, the zone's
 * `except` (paths under its `from`) lets exactly that one through.
 * @param {string[][]} layers
 */
function layerZones(layers) {
  const name = (/** @type {number} */ index) =>
    `layer ${index + 1} of ${layers.length} (${layers[index]?.map((entry) => `src/${entry}`).join(', ')})`;
  return layers.flatMap((lower, low) =>
    layers.slice(low + 1).map((higher, offset) => ({
      target: lower.map((entry) => `src/${entry}`),
      from: higher.map((entry) => `src/${entry}`),
      message: `${name(low)} may not import from ${name(low + 1 + offset)}: move what it needs down, or turn the dependency around (LAYERS in eslint.config.js).`,
    })),
  );
}

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'dist/', 'test-artifacts/', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  // No file imports itself back through others. Type-only imports are skipped here (they leave no
  // runtime cycle; test/lint/file-cycles.test.ts covers them). Imports name the compiled `.js`; the
  // resolver finds the `.ts` source. Packages are not followed: no cycle runs through them, and
  // reading them (typescript's 9 MB) would double the lint time.
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createNodeResolver({ extensionAlias: { '.js': ['.ts', '.js'] } })],
    },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  // The layers of src/ (LAYERS above); the resolver of the block above finds each imported file.
  {
    files: ['src/**/*.ts'],
    rules: {
      'import-x/no-restricted-paths': ['error', { basePath: ROOT, zones: layerZones(LAYERS) }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  // src/core is the bottom layer (the zones of LAYERS keep the rest of src/ out of it) and does no I/O.
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: `^(?!\\.|(?:${CORE_PACKAGES.join('|')})(?:/|$))`,
              message: `${CORE_IS_PURE} Only relative imports and ${CORE_PACKAGES.join(', ')}.`,
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Use the Clock port.' },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'src/core does not touch the process.' },
      ],
    },
  },
  // Each folder under src/platforms/ is one platform: it never imports another platform's folder.
  ...platformFolders().map((name) => ({
    files: [`src/platforms/${name}/**/*.ts`],
    rules: restrict(
      [],
      platformFolders()
        .filter((other) => other !== name)
        .flatMap((other) => [
          `../${other}`,
          `../${other}/**`,
          `../../${other}/**`,
          `**/platforms/${other}/**`,
        ]),
      'A platform never imports another platform’s folder.',
    ),
  })),
  {
    files: ['src/**/*.ts'],
    ignores: ['src/config/env.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='process'][property.name='env']",
          message: 'Only src/config/env.ts reads process.env.',
        },
      ],
    },
  },
);
