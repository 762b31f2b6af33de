#!/usr/bin/env node
// What `npm test` needs beyond `npm install`: Debian's Chromium (the status page tests drive it
// headless through playwright-core, which downloads no browser), the openssl CLI (the TLS probe
// tests make their certificates with it) and fonts with Latin, Bengali and Devanagari glyphs (the
// chart tests render text) and a PostgreSQL server (the stores and the bot run against a throw-away
// cluster the tests start themselves, test/helpers/postgres-cluster.ts). Each is looked for where the tests use it; what is missing is installed
// with apt when we run as root, and otherwise named in one line with the command that installs it,
// and the test run stops (exit 1) before any test starts.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import process from 'node:process';

function onPath(command) {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** One thing the suite needs: how to tell it is here, and the Debian package that brings it. */
/** Debian's PostgreSQL server (/usr/lib/postgresql/<n>/bin), PG_BIN, or one on the PATH. */
function postgresPresent() {
  if (process.env.PG_BIN && existsSync(join(process.env.PG_BIN, 'postgres'))) return true;
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian) && readdirSync(debian).some((v) => existsSync(join(debian, v, 'bin', 'postgres'))))
    return true;
  const config = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  return config.status === 0 && existsSync(join(config.stdout.trim(), 'postgres'));
}

const REQUIREMENTS = [
  { what: 'a PostgreSQL server', pkg: 'postgresql', present: postgresPresent },
  { what: 'Chromium at /usr/bin/chromium', pkg: 'chromium', present: () => existsSync('/usr/bin/chromium') },
  { what: 'the openssl command', pkg: 'openssl', present: () => onPath('openssl') },
  // The systemd unit example is checked with `systemd-analyze verify` (no running systemd needed).
  { what: 'the systemd-analyze command', pkg: 'systemd', present: () => onPath('systemd-analyze') },
  {
    what: 'DejaVu fonts',
    pkg: 'fonts-dejavu-core',
    present: () => existsSync('/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf'),
  },
  {
    what: 'Noto fonts with Bengali and Devanagari',
    pkg: 'fonts-noto-core',
    present: () =>
      ['Bengali', 'Devanagari'].every((script) =>
        existsSync(`/usr/share/fonts/truetype/noto/NotoSans${script}-Regular.ttf`),
      ),
  },
];

const missing = () => REQUIREMENTS.filter((r) => !r.present());

function canInstall() {
  return typeof process.getuid === 'function' && process.getuid() === 0 && onPath('apt-get');
}

function install(packages) {
  process.stderr.write(`npm test: installing ${packages.join(' ')} with apt-get (running as root)\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const quiet = { stdio: ['ignore', 'ignore', 'pipe'], env, encoding: 'utf8' };
  // A failed update (a mirror down) may still leave lists good enough to install from.
  spawnSync('apt-get', ['update', '-qq'], quiet);
  const result = spawnSync('apt-get', ['install', '-y', '-qq', ...packages], quiet);
  if (result.status !== 0) process.stderr.write(result.stderr ?? '');
}

let absent = missing();
if (absent.length > 0 && canInstall()) {
  install(absent.map((r) => r.pkg));
  absent = missing();
}
if (absent.length > 0) {
  const packages = absent.map((r) => r.pkg).join(' ');
  const names = absent.map((r) => r.what).join(', ');
  const how = canInstall()
    ? `apt-get could not install ${packages}`
    : `to install: sudo apt-get install ${packages}`;
  process.stderr.write(`npm test needs ${names}; ${how}\n`);
  process.exit(1);
}
