// The SQL migrations are not TypeScript: the build copies each dialect's folder next to its
// compiled runner (dist/db/migrations, dist/db/postgres/migrations), replacing what was there.
import { cpSync, rmSync } from 'node:fs';

for (const dir of ['db/migrations', 'db/postgres/migrations']) {
  rmSync(`dist/${dir}`, { recursive: true, force: true });
  cpSync(`src/${dir}`, `dist/${dir}`, { recursive: true });
}
