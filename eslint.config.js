// @ts-check
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
    'features',
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
  {
    files: ['src/platforms/discord/**/*.ts'],
    rules: restrict(
      ['telegraf'],
      ['**/platforms/telegram/**', '**/platforms/console/**'],
      'Adapters never import each other.',
    ),
  },
  {
    files: ['src/platforms/telegram/**/*.ts'],
    rules: restrict(
      ['discord.js'],
      ['**/platforms/discord/**', '**/platforms/console/**'],
      'Adapters never import each other.',
    ),
  },
  {
    files: ['src/platforms/console/**/*.ts'],
    rules: restrict(
      ['discord.js', 'telegraf'],
      ['**/platforms/discord/**', '**/platforms/telegram/**'],
      'Adapters never import each other.',
    ),
  },
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
