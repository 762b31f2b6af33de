import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';

export const silentLog = pino({ level: 'silent' });

/**
 * Starts bench/target-server.ts in its own process and returns its URL. `record`: the target keeps
 * every request's time by path (its `/__hits` answer). `workers` > 1: that many processes share
 * its port (not with `record`). `cpuMs()`: the CPU its whole process tree has used (/proc).
 */
export async function startTargetProcess(options: { record?: boolean; workers?: number } = {}): Promise<{
  url: string;
  child: ChildProcess;
  cpuMs(): number;
  stop(): Promise<void>;
}> {
  const child = spawn('node_modules/.bin/tsx', ['bench/target-server.ts'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      ...process.env,
      BENCH_TARGET_RECORD: options.record === true ? '1' : '',
      BENCH_TARGET_WORKERS: String(options.workers ?? 1),
    },
  });
  const [chunk] = (await once(child.stdout as NodeJS.ReadableStream, 'data')) as [Buffer];
  const port = Number(chunk.toString().trim());
  return {
    url: `http://127.0.0.1:${port}/`,
    child,
    cpuMs: () => treeCpuMs(child.pid ?? 0),
    async stop() {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? Number.NaN;
}

export function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

export const fmt = (n: number, digits = 1): string => n.toFixed(digits);

/** Every process under `pid` (children, their children, ...), from Linux /proc. */
export function descendants(pid: number): number[] {
  const out: number[] = [];
  let tasks: string[] = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tasks) {
    let children = '';
    try {
      children = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8');
    } catch {
      continue;
    }
    for (const child of children.trim().split(/\s+/).filter(Boolean).map(Number)) {
      out.push(child, ...descendants(child));
    }
  }
  return out;
}

/** CPU time a process has used (user + system), in ms (Linux /proc, 100 ticks a second). */
export function procCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** CPU time of a process and every process under it, in ms (those alive now). */
export function treeCpuMs(pid: number): number {
  let total = 0;
  for (const p of [pid, ...descendants(pid)]) {
    try {
      total += procCpuMs(p);
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

/** `VmHWM` / `VmRSS` of a process in bytes (Linux /proc), 0 once it is gone. */
export function procMemory(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(
      readFileSync(`/proc/${pid}/status`, 'utf8'),
    );
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Sample values of one metric family from Prometheus text, with their label text. */
export function samples(text: string, name: string): { labels: string; value: number }[] {
  const out: { labels: string; value: number }[] = [];
  const re = new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)$`, 'gm');
  for (let m = re.exec(text); m; m = re.exec(text)) out.push({ labels: m[1] ?? '', value: Number(m[2]) });
  return out;
}
export const sum = (text: string, name: string, labelPart = ''): number =>
  samples(text, name)
    .filter((s) => s.labels.includes(labelPart))
    .reduce((total, s) => total + s.value, 0);
