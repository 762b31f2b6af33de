import type { z } from 'zod';

/** Formats a zod issue path the way people read config: `services[3].monitors[0].url`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

/** Every issue of a zod error as `path: message`, prefixed with where the checked value sits. */
export function describeIssues(error: z.ZodError, prefix: readonly PropertyKey[] = []): string[] {
  return error.issues.map((issue) => {
    const path = formatPath([...prefix, ...issue.path]);
    const message =
      issue.code === 'unrecognized_keys'
        ? `unknown key(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`
        : issue.message;
    return path === '' ? message : `${path}: ${message}`;
  });
}

/** Thrown only by loaders at start-up; main prints `problems` one per line and exits 1. */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`${source}: ${problems.length} problem(s)`);
    this.name = 'ConfigError';
  }
}
