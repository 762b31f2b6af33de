/**
 * Readers for the packaging files at the root of the repository (Dockerfile, compose.yaml,
 * deploy/incident-bot.service), so the tests check what ships, and the environment variables the
 * bot knows, from the code that reads them.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { chatMonitorEnv } from '../../src/chat-monitors/chat-monitor-env.js';
import { clusterEnv } from '../../src/cluster/cluster-env.js';
import type { EnvSection } from '../../src/config/env.js';
import { PLATFORM_MODULES } from '../../src/platforms/registry.js';

/** The repository's root folder (the working directory the bot and the build run in). */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export function readRepoFile(path: string): string {
  return readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
}

/** One Dockerfile instruction: its keyword (upper case) and its arguments as written. */
export interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

/** One build stage: its `FROM` image, its `AS` name, and the instructions after the `FROM`. */
export interface Stage {
  readonly image: string;
  readonly name: string | undefined;
  readonly instructions: readonly Instruction[];
}

/**
 * The Dockerfile as stages of instructions. Comment lines (also inside a continued instruction, as
 * Docker drops them there) and blank lines go; a line ending in `\` continues on the next.
 */
export function parseDockerfile(text: string): Stage[] {
  const instructions: Instruction[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && pending === '')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    const whole = (pending + line).trim();
    pending = '';
    if (whole === '') continue;
    const match = /^(\S+)\s*(.*)$/s.exec(whole);
    if (match === null) continue;
    instructions.push({ keyword: (match[1] ?? '').toUpperCase(), args: (match[2] ?? '').trim() });
  }
  if (pending !== '') throw new Error('Dockerfile ends inside a continued line');
  const stages: { image: string; name: string | undefined; instructions: Instruction[] }[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const [image = '', as, name] = instruction.args.split(/\s+/);
      stages.push({ image, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else {
      const stage = stages.at(-1);
      if (stage === undefined) throw new Error(`${instruction.keyword} before any FROM`);
      stage.instructions.push(instruction);
    }
  }
  return stages;
}

/** The arguments of every instruction of a stage with this keyword, in order. */
export function argsOf(stage: Stage, keyword: string): string[] {
  return stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
}

/** An exec-form (JSON array) command; a shell-form command is refused (it needs a shell and no signals reach node). */
export function execForm(args: string): string[] {
  if (!args.startsWith('[')) throw new Error(`not in exec form: ${args}`);
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string'))
    throw new Error(`not an array of strings: ${args}`);
  return parsed;
}

/** The variables a stage's `ENV` instructions set (`ENV A=1 B=2`, or the old `ENV A 1`). */
export function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const args of argsOf(stage, 'ENV')) {
    const words = args.split(/\s+/);
    if (!(words[0] ?? '').includes('=')) {
      env[words[0] ?? ''] = words.slice(1).join(' ');
      continue;
    }
    for (const word of words) {
      const at = word.indexOf('=');
      env[word.slice(0, at)] = word.slice(at + 1).replace(/^"(.*)"$/, '$1');
    }
  }
  return env;
}

/** The `HEALTHCHECK` of a stage: its options (`--interval=30s` …) and its exec-form command. */
export function healthcheckOf(stage: Stage): { options: Record<string, string>; command: string[] } {
  const [args] = argsOf(stage, 'HEALTHCHECK');
  if (args === undefined) throw new Error('no HEALTHCHECK');
  const match = /^((?:--\S+\s+)*)CMD\s+(.*)$/s.exec(args);
  if (match === null) throw new Error(`HEALTHCHECK without CMD: ${args}`);
  const options = Object.fromEntries(
    (match[1] ?? '')
      .trim()
      .split(/\s+/)
      .filter((o) => o !== '')
      .map((o) => {
        const [key = '', value = ''] = o.replace(/^--/, '').split('=');
        return [key, value];
      }),
  );
  return { options, command: execForm(match[2] ?? '') };
}

/** The node command `npm start` runs once it has built: package.json "start" after its last `&&`. */
export function startCommand(): string[] {
  const pkg = JSON.parse(readRepoFile('package.json')) as { scripts: Record<string, string> };
  const start = pkg.scripts['start'] ?? '';
  const last = start.split('&&').at(-1) ?? '';
  return last.trim().split(/\s+/);
}

/**
 * Fills compose-style `${NAME}`, `${NAME:-default}` and `${NAME:?message}` from `values`, as
 * `docker compose` does from `.env`; a `${NAME:?…}` with no value throws, as compose refuses it.
 */
export function interpolate(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::([-?])([^}]*))?\}/g, (_m, name: string, op, rest) => {
    const value = values[name];
    if (value !== undefined && value !== '') return value;
    if (op === '-') return String(rest);
    if (op === '?') throw new Error(`${name}: ${String(rest)}`);
    return '';
  });
}

/** compose.yaml with its placeholders filled from `values`, parsed. */
export function composeFile(values: Readonly<Record<string, string>>): ComposeFile {
  return parseYaml(interpolate(readRepoFile('compose.yaml'), values)) as ComposeFile;
}

export interface ComposeService {
  image?: string;
  build?: unknown;
  environment?: Record<string, string | number | boolean | null> | string[];
  env_file?: unknown;
  depends_on?: Record<string, { condition?: string }> | string[];
  healthcheck?: { test?: string[] | string };
  volumes?: string[];
  ports?: string[];
  secrets?: unknown;
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

/** A compose service's `environment` (map or `KEY=value` list) as strings. */
export function composeEnv(service: ComposeService): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env))
    return Object.fromEntries(env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

/** A systemd unit: each section's keys with every value given (a key may repeat). */
export type Unit = Record<string, Record<string, string[]>>;

/** Parses a unit file (`[Section]`, `Key=value`, `#`/`;` comments, `\` continuations). */
export function parseUnit(text: string): Unit {
  const unit: Unit = {};
  let section: Record<string, string[]> | undefined;
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#') || line.startsWith(';'))) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const whole = pending + line;
    pending = '';
    const header = /^\[(.+)\]$/.exec(whole);
    if (header !== null) {
      section = unit[header[1] ?? ''] ??= {};
      continue;
    }
    const at = whole.indexOf('=');
    if (section === undefined || at < 0) throw new Error(`not a unit line: ${whole}`);
    (section[whole.slice(0, at).trim()] ??= []).push(whole.slice(at + 1).trim());
  }
  return unit;
}

/** The variables a unit's `Environment=` lines set (`Environment=A=1 B=2`, one per line here). */
export function unitEnv(unit: Unit): Record<string, string> {
  const env: Record<string, string> = {};
  for (const value of unit['Service']?.['Environment'] ?? []) {
    for (const assignment of value.split(/\s+/).filter((a) => a !== '')) {
      const at = assignment.indexOf('=');
      env[assignment.slice(0, at)] = assignment.slice(at + 1);
    }
  }
  return env;
}

/**
 * Every variable the bot reads: the general ones (the keys of `generalSection` in
 * src/config/env.ts, which is not exported: read from its source), every listed platform's, the
 * chat monitors' and the cluster's, and `<NAME>_FILE` for each secret.
 */
export function knownVariables(): Set<string> {
  const source = readRepoFile('src/config/env.ts');
  const start = source.indexOf('const generalSection = {');
  const end = source.indexOf('satisfies EnvSection', start);
  if (start < 0 || end < 0) throw new Error('generalSection not found in src/config/env.ts');
  const block = source.slice(start, end);
  const general = [...block.matchAll(/^\s+([A-Z][A-Z0-9_]*):/gm)].map((m) => m[1] ?? '');
  const generalSecrets = [
    ...(/secrets:\s*\[([^\]]*)\]/.exec(block)?.[1] ?? '').matchAll(/'([A-Z0-9_]+)'/g),
  ].map((m) => m[1] ?? '');
  const sections: readonly EnvSection[] = [...PLATFORM_MODULES, chatMonitorEnv, clusterEnv];
  const names = new Set(general);
  for (const secret of generalSecrets) names.add(`${secret}_FILE`);
  for (const section of sections) {
    for (const name of Object.keys(section.env.shape)) names.add(name);
    for (const secret of section.secrets ?? []) names.add(`${secret}_FILE`);
  }
  return names;
}
