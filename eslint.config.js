// @ts-check
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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

const CORE_IS_PURE = 'src/core is pure: no I/O modules, no platform library, no outer layer.';
const outerLayers = (/** @type {string} */ up) =>
  [
    'db',
    'monitors',
    'platforms',
    'web',
    'dispatch',
    'sources',
    'chat-monitors',
    'crowd-runtime',
    'charts',
    'metrics',
    'demo',
    'config',
    'logging.js',
    'app.js',
  ].flatMap((layer) => [`${up}${layer}`, `${up}${layer}/**`]);

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
  // Outer layers as seen from src/core/*.ts and from src/core/<dir>/*.ts (src/core/delivery is core).
  {
    files: ['src/core/*.ts'],
    rules: restrict(IO_MODULES, outerLayers('../'), CORE_IS_PURE),
  },
  {
    files: ['src/core/*/**/*.ts'],
    rules: restrict(IO_MODULES, outerLayers('../../'), CORE_IS_PURE),
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
