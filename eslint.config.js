// @ts-check
import { readdirSync } from 'node:fs';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const IO_MODULES = [
  'node:fs',
  'fs',
  'node:fs/promises',
  'node:net',
  'net',
  'node:dns',
  'dns',
  'node:dns/promises',
  'node:http',
  'http',
  'node:https',
  'https',
  'node:tls',
  'tls',
  'node:child_process',
  'node:dgram',
  'undici',
  'better-sqlite3',
  'discord.js',
  'telegraf',
  'node-cron',
  'pino',
  'fastify',
  'ws',
];
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

const CORE_IS_PURE = 'src/core is pure: no I/O modules, no platform library.';

const SRC = path.join(path.dirname(fileURLToPath(import.meta.url)), 'src');

/**
 * The layers of src/, from the bottom up: each entry of src/ (a folder, or a file at its top) may
 * import from its own layer and the layers below, never from a layer above. An entry that is in no
 * layer fails lint, so a new folder gets its place here. docs/design.md §2 says what each one owns.
 */
const LAYERS = [
  ['core'],
  ['logging.ts', 'sources'],
  ['monitors'],
  ['config'],
  ['chat-monitors'],
  ['db', 'dispatch'],
  ['crowd-runtime', 'metrics', 'charts'],
  ['web', 'platforms'],
  ['app-config.ts'],
  ['features'],
  ['demo'],
  ['app.ts'],
  ['main.ts'],
];

/**
 * Back-arrows that a change under way removes, as `importer -> imported` (repository paths). Lint
 * reports an entry whose import is gone, so the list only shrinks.
 */
const KNOWN_BACK_ARROWS = [];

/** The entry of src/ that a path relative to src/ is in: its first folder, or the file (`.js` read as `.ts`). */
const entryOf = (/** @type {string} */ relative) => {
  const [first = '', ...rest] = relative.split(path.sep);
  return rest.length > 0 ? first : first.replace(/\.js$/, '.ts');
};
const repoPath = (/** @type {string} */ relative) =>
  `src/${relative.split(path.sep).join('/')}`.replace(/\.js$/, '.ts');

/**
 * `layers/imports`, configured with `{ layers, knownBackArrows }` (LAYERS and KNOWN_BACK_ARROWS
 * above; test/lint/layers.test.ts passes its own).
 * @type {import('eslint').Rule.RuleModule}
 */
const layerRule = {
  meta: {
    type: 'problem',
    docs: { description: 'An entry of src/ imports only from its own layer and the layers below (LAYERS).' },
    schema: [
      {
        type: 'object',
        properties: {
          layers: { type: 'array', items: { type: 'array', items: { type: 'string' } } },
          knownBackArrows: { type: 'array', items: { type: 'string' } },
        },
        required: ['layers', 'knownBackArrows'],
        additionalProperties: false,
      },
    ],
    messages: {
      upward:
        '{{from}} is in {{fromLayer}} and may not import {{to}}, which is in {{toLayer}}: move what it needs down, or turn the dependency around (LAYERS in eslint.config.js).',
      unplaced:
        'src/{{entry}} is in no layer: add it to LAYERS in eslint.config.js, in the layer it belongs to.',
      stale:
        'KNOWN_BACK_ARROWS in eslint.config.js lists "{{arrow}}", but this file no longer imports it: remove the entry.',
    },
  },
  create(context) {
    /** @type {{ layers: string[][], knownBackArrows: string[] }} */
    const { layers, knownBackArrows } = context.options[0];
    const layerOf = new Map(layers.flatMap((entries, index) => entries.map((entry) => [entry, index])));
    const layerName = (/** @type {number} */ index) =>
      `layer ${index + 1} of ${layers.length} (${layers[index]?.join(', ')})`;
    const relative = path.relative(SRC, context.physicalFilename);
    if (relative.startsWith('..') || path.isAbsolute(relative)) return {};
    const from = repoPath(relative);
    const fromEntry = entryOf(relative);
    const fromLayer = layerOf.get(fromEntry);
    const allowed = new Set(
      knownBackArrows
        .filter((arrow) => arrow.startsWith(`${from} -> `))
        .map((arrow) => arrow.slice(from.length + 4)),
    );
    const seen = new Set();
    /** @param {import('estree').Node} node @param {unknown} source */
    const check = (node, source) => {
      if (fromLayer === undefined || typeof source !== 'string' || !source.startsWith('.')) return;
      const target = path.relative(SRC, path.resolve(path.dirname(context.physicalFilename), source));
      if (target.startsWith('..') || path.isAbsolute(target)) return;
      const toLayer = layerOf.get(entryOf(target));
      if (toLayer === undefined || toLayer <= fromLayer) return;
      const to = repoPath(target);
      if (allowed.has(to)) {
        seen.add(to);
        return;
      }
      context.report({
        node,
        messageId: 'upward',
        data: { from, fromLayer: layerName(fromLayer), to, toLayer: layerName(toLayer) },
      });
    };
    /** @param {any} node */
    const fromSource = (node) => check(node, node.source?.value);
    return {
      Program(node) {
        if (fromLayer === undefined)
          context.report({ node, messageId: 'unplaced', data: { entry: fromEntry } });
      },
      ImportDeclaration: fromSource,
      ExportNamedDeclaration: fromSource,
      ExportAllDeclaration: fromSource,
      ImportExpression: fromSource,
      /** @param {any} node `import('…').T` in a type */
      TSImportType(node) {
        check(node, node.source?.value ?? node.argument?.literal?.value);
      },
      'Program:exit'(node) {
        for (const to of allowed) {
          if (!seen.has(to))
            context.report({ node, messageId: 'stale', data: { arrow: `${from} -> ${to}` } });
        }
      },
    };
  },
};

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
  {
    files: ['src/**/*.ts'],
    plugins: { layers: { rules: { imports: layerRule } } },
    rules: { 'layers/imports': ['error', { layers: LAYERS, knownBackArrows: KNOWN_BACK_ARROWS }] },
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
  // src/core is the bottom layer (the layer rule keeps the rest of src/ out of it) and does no I/O.
  {
    files: ['src/core/**/*.ts'],
    rules: restrict(IO_MODULES, [], CORE_IS_PURE),
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
