import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeBody } from '../../src/sources/decode-body.js';
import type { StatusSourceKind } from '../../src/sources/registry.js';
import type { StatusSourceInput } from '../../src/sources/status-source.js';

/**
 * The captured payloads in test/fixtures/status (where each came from is in
 * test/fixtures/status/SOURCES.md), kept in
 * the repository so a clean clone tests them. Enumerated, not listed, so a new fixture is covered without editing tests.
 */
export const STATUS_FIXTURE_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../fixtures/status',
);

/** Every fixture file, as a path relative to the fixture directory (`slack/current_ok_docs_example.json`). */
export function listStatusFixtures(): string[] {
  return readdirSync(STATUS_FIXTURE_DIR, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name !== 'SOURCES.md')
    .map((entry) => path.relative(STATUS_FIXTURE_DIR, path.join(entry.parentPath, entry.name)))
    .sort();
}

/** The fixture's text, decoded as the probe would without a header charset (BOM, XML prolog, else UTF-8). */
export function readStatusFixture(relativePath: string): string {
  return decodeBody(readStatusFixtureBytes(relativePath), undefined).text;
}

/** The fixture's bytes, exactly as captured (or constructed). */
export function readStatusFixtureBytes(relativePath: string): Buffer {
  return readFileSync(path.join(STATUS_FIXTURE_DIR, relativePath));
}

/**
 * Which parser a fixture belongs to, from its folder and extension; undefined for pages no
 * parser reads (Signal's HTML status page) and for the non-UTF-8 pages of `latin1/`.
 */
export function kindForFixture(relativePath: string): StatusSourceKind | undefined {
  const [folder = ''] = relativePath.split(path.sep);
  const extension = path.extname(relativePath);
  // Not UTF-8: served byte-exact by test/sources/charset.test.ts, not re-encoded by the generic tests.
  if (folder === 'latin1') return undefined;
  if (extension === '.atom' || extension === '.rss') return folder === 'aws' ? 'aws-rss' : 'feed';
  if (extension !== '.json') return undefined;
  if (folder === 'slack') return 'slack';
  if (folder === 'gcp') return 'google';
  if (folder === 'incidentio' && relativePath.includes('widget')) return 'incidentio';
  if (folder === 'statuspage' || folder === 'incidentio') return 'statuspage';
  return undefined;
}

/** A 200 response carrying `body`, as the fetcher would hand it over. */
export function okResponse(body: string, now: number, contentType = 'application/json'): StatusSourceInput {
  return { httpStatus: 200, contentType, body, now };
}
