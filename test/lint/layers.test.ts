/**
 * The layers of src/ (`LAYERS` in eslint.config.js, enforced by `import-x/no-restricted-paths`),
 * run through ESLint with the repository's own configuration on code that is not on disk: a
 * back-arrow is reported whether it is a value import, a type-only import, a re-export or a dynamic
 * `import()`; imports within a layer and downwards are not. The rule resolves each import to its
 * file, so the imported files here are real ones. Every entry of src/ on disk is in a layer.
 */
import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The cycle rule is off: it would follow the real files these imports name, and is not tested here. */
const eslint = new ESLint({ cwd: ROOT, overrideConfig: { rules: { 'import-x/no-cycle': 'off' } } });

/** The config is JavaScript outside the TypeScript program, so its LAYERS is read and checked here. */
async function configuredLayers(): Promise<string[][]> {
  const config: unknown = await import(pathToFileURL(join(ROOT, 'eslint.config.js')).href);
  return z.object({ LAYERS: z.array(z.array(z.string()).min(1)).min(2) }).parse(config).LAYERS;
}

/** The entries of src/ (folders and top-level files) that are in no layer. */
function unplaced(entries: readonly string[], layers: readonly (readonly string[])[]): string[] {
  const placed = new Set(layers.flat());
  return entries.filter((entry) => !placed.has(entry));
}

/** ESLint's messages about imports of layers above, for `code` as the file at `path` (repository path). */
async function layerMessages(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, path) });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === 'import-x/no-restricted-paths' || m.ruleId === null)
    .map((m) => m.message);
}

describe('layers of src/', () => {
  it('places every entry of src/ in exactly one layer', async () => {
    const layers = await configuredLayers();
    const entries = readdirSync(join(ROOT, 'src'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() || entry.name.endsWith('.ts'))
      .map((entry) => entry.name)
      .sort();
    expect(unplaced(entries, layers)).toEqual([]);
    expect(layers.flat().length).toBe(new Set(layers.flat()).size);
    expect(layers.flat().filter((entry) => !entries.includes(entry))).toEqual([]);
  });

  it('finds a new folder that is in no layer', async () => {
    const layers = await configuredLayers();
    expect(unplaced(['core', 'not-in-any-layer', 'app.ts'], layers)).toEqual(['not-in-any-layer']);
  });

  it('reports a value import from a layer above, naming both layers', async () => {
    const code = "import { StatusPage } from '../web/status-page.js';\nvoid StatusPage;\n";
    const messages = await layerMessages('src/charts/new-chart.ts', code);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(
      /^Unexpected path "\.\.\/web\/status-page\.js" imported in restricted zone\. layer \d+ of \d+ \(src\/crowd-runtime, src\/metrics, src\/charts\) may not import from layer \d+ of \d+ \(src\/web, src\/platforms\): .*\(LAYERS in eslint\.config\.js\)\.$/,
    );
  });

  it('reports type-only imports, re-exports and dynamic imports from layers above', async () => {
    const code = [
      "import type { Logger } from '../../logging.js';",
      "export { startApp } from '../../app.js';",
      "export * from '../../db/database.js';",
      "export type { AppConfig } from '../../app-config.js';",
      "export const later = () => import('../../web/status-page.js');",
      'export type Used = Logger;',
    ].join('\n');
    const messages = await layerMessages('src/core/detection/new-policy.ts', code);
    expect(messages.map((m) => /^Unexpected path "([^"]+)"/.exec(m)?.[1])).toEqual([
      '../../logging.js',
      '../../app.js',
      '../../db/database.js',
      '../../app-config.js',
      '../../web/status-page.js',
    ]);
  });

  it('forbids an import() type in src/, which the layer rule would not see', async () => {
    const code = "export type Page = typeof import('../web/status-page.js');\n";
    const [result] = await eslint.lintText(code, { filePath: join(ROOT, 'src/core/new-page.ts') });
    expect((result?.messages ?? []).map((m) => m.ruleId)).toEqual([
      '@typescript-eslint/consistent-type-imports',
    ]);
  });

  it('lets an entry import from its own layer and from the layers below', async () => {
    const sameAndBelow = [
      "import type { Logger } from '../logging.js';",
      "import type { Catalog } from '../core/catalog.js';",
      "import { openDatabase } from './database.js';",
      "import { z } from 'zod';",
      'export type T = [Logger, Catalog, typeof openDatabase, typeof z];',
    ].join('\n');
    expect(await layerMessages('src/db/new-store.ts', sameAndBelow)).toEqual([]);
    const sameLayer =
      "import type { OutboxWorkerOptions } from '../dispatch/outbox-worker.js';\nexport type D = OutboxWorkerOptions;\n";
    expect(await layerMessages('src/db/new-store.ts', sameLayer)).toEqual([]);
    expect(
      await layerMessages('src/main.ts', "import { startApp } from './app.js';\nvoid startApp;\n"),
    ).toEqual([]);
  });

  it('leaves files outside src/ alone', async () => {
    expect(await layerMessages('test/anything.test.ts', "import '../src/app.js';\n")).toEqual([]);
  });
});
