import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Writes the services file the end-to-end tests share: `site` ("Our site") checked every second
 * with the default confirmation, plus any further services as YAML list items (`extraServices`,
 * each line indented as under `services:`). Returns the file's path.
 */
export function writeSiteServices(dir: string, siteUrl: string, extraServices = ''): string {
  const path = join(dir, 'services.yaml');
  writeFileSync(
    path,
    `defaults: { every: 1s, timeout: 800ms, confirm: { down: 2, up: 2 } }
services:
  - id: site
    name: Our site
    monitors:
      - { type: http, url: "${siteUrl}" }
${extraServices}`,
  );
  return path;
}
