/**
 * The layer rule of eslint.config.js (`layers/imports`), run through ESLint with the repository's
 * own configuration on code that is not on disk: a back-arrow, an entry of src/ in no layer and a
 * stale known back-arrow are reported; imports within a layer and downwards are not. Most cases
 * give the rule a small layer list of their own, so they do not change when LAYERS does.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The cycle rule is off: it would read the real files these imports name, and is not tested here. */
const NO_CYCLE_OFF = { rules: { 'import-x/no-cycle': 'off' as const } };
const repository = new ESLint({ cwd: ROOT, overrideConfig: NO_CYCLE_OFF });

/** Bottom up: core, then logging.ts and db together, then web, then app.ts. */
const LAYERS = [['core'], ['logging.ts', 'db'], ['web'], ['app.ts']];

function withLayers(knownBackArrows: string[] = []): ESLint {
  return new ESLint({
    cwd: ROOT,
    overrideConfig: [
      NO_CYCLE_OFF,
      { files: ['src/**/*.ts'], rules: { 'layers/imports': ['error', { layers: LAYERS, knownBackArrows }] } },
    ],
  });
}

/** The layer rule's messages for `code` as if it were the file at `path` (repository path). */
async function layerMessages(eslint: ESLint, path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, path) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'layers/imports').map((m) => m.message);
}

describe('layer rule', () => {
  it('keeps src/charts below src/web in the repository', async () => {
    const code = "import { StatusPage } from '../web/status-page.js';\nexport const page = StatusPage;\n";
    const messages = await layerMessages(repository, 'src/charts/new-chart.ts', code);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(
      /^src\/charts\/new-chart\.ts is in layer \d+ of \d+ \(.*charts.*\) and may not import/,
    );
    expect(messages[0]).toContain('may not import src/web/status-page.ts, which is in layer');
  });

  it('fails a folder of src/ that is in no layer of the repository', async () => {
    expect(
      await layerMessages(repository, 'src/not-in-any-layer/thing.ts', 'export const thing = 1;\n'),
    ).toEqual([
      'src/not-in-any-layer is in no layer: add it to LAYERS in eslint.config.js, in the layer it belongs to.',
    ]);
  });

  it('reports an import from a higher layer, saying which layers', async () => {
    const code = "import { page } from '../web/page.js';\nexport const shown = page;\n";
    expect(await layerMessages(withLayers(), 'src/db/store.ts', code)).toEqual([
      'src/db/store.ts is in layer 2 of 4 (logging.ts, db) and may not import src/web/page.ts, which is in layer 3 of 4 (web): move what it needs down, or turn the dependency around (LAYERS in eslint.config.js).',
    ]);
  });

  it('sees type-only imports, re-exports, dynamic imports and import types', async () => {
    const code = [
      "import type { Logger } from '../../logging.js';",
      "export { startApp } from '../../app.js';",
      "export * from '../../db/database.js';",
      "export const later = () => import('../../web/html.js');",
      "export type Page = import('../../web/page.js').Page | Logger;",
    ].join('\n');
    const messages = await layerMessages(withLayers(), 'src/core/detection/policy.ts', code);
    expect(messages.map((m) => m.split(' may not import ')[1]?.split(',')[0])).toEqual([
      'src/logging.ts',
      'src/app.ts',
      'src/db/database.ts',
      'src/web/html.ts',
      'src/web/page.ts',
    ]);
  });

  it('lets an entry import from its own layer and from the layers below', async () => {
    const code = [
      "import type { Logger } from '../logging.js';",
      "import type { Clock } from '../core/model.js';",
      "import { helper } from './helper.js';",
      "import { z } from 'zod';",
      'export type T = [Logger, Clock, typeof helper, typeof z];',
    ].join('\n');
    expect(await layerMessages(withLayers(), 'src/db/store.ts', code)).toEqual([]);
    expect(
      await layerMessages(withLayers(), 'src/app.ts', "import { page } from './web/page.js';\nvoid page;\n"),
    ).toEqual([]);
  });

  it('leaves files outside src/ alone', async () => {
    expect(await layerMessages(withLayers(), 'test/anything.test.ts', "import '../src/app.js';\n")).toEqual(
      [],
    );
  });

  it('lets a known back-arrow through, and reports it once the import is gone', async () => {
    const eslint = withLayers(['src/db/store.ts -> src/web/page.ts']);
    const code =
      "import { page } from '../web/page.js';\nimport { other } from '../web/other.js';\nvoid [page, other];\n";
    const messages = await layerMessages(eslint, 'src/db/store.ts', code);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain('may not import src/web/other.ts');
    expect(await layerMessages(eslint, 'src/db/store.ts', 'export const nothing = 1;\n')).toEqual([
      'KNOWN_BACK_ARROWS in eslint.config.js lists "src/db/store.ts -> src/web/page.ts", but this file no longer imports it: remove the entry.',
    ]);
  });
});
