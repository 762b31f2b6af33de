import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';

const TSX = 'node_modules/.bin/tsx';

/**
 * The bot run as a user runs it (`tsx src/main.ts`, or the built `node dist/main.js` when
 * `command` says so), with its stdout and stderr collected.
 */
export class BotProcess {
  readonly stdout: string[] = [];
  stderr = '';
  private buffer = '';
  private readonly waiters: (() => void)[] = [];
  readonly child: ChildProcess;

  constructor(env: NodeJS.ProcessEnv, command: readonly string[] = [TSX, 'src/main.ts']) {
    const [program = TSX, ...args] = command;
    this.child = spawn(program, args, {
      env: { PATH: process.env['PATH'], LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (chunk: Buffer) => {
      this.buffer += chunk.toString();
      const lines = this.buffer.split('\n');
      this.buffer = lines.pop() ?? '';
      this.stdout.push(...lines);
      this.waiters.splice(0).forEach((wake) => wake());
    });
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
  }

  /** Resolves with the first stdout line matching, waiting for new output (not polling on a timer). */
  async waitForLine(pattern: RegExp, timeoutMs = 20_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = this.stdout.find((l) => pattern.test(l));
      if (line !== undefined) return line;
      if (this.child.exitCode !== null)
        throw new Error(`bot exited (${this.child.exitCode}): ${this.stderr}`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no line matching ${pattern} in:\n${this.stdout.join('\n')}\n${this.stderr}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  linesMatching(pattern: RegExp): string[] {
    return this.stdout.filter((l) => pattern.test(l));
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    this.child.kill(signal);
    const [code] = (await once(this.child, 'exit')) as [number | null];
    return code;
  }

  async exited(): Promise<number | null> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    const [code] = (await once(this.child, 'exit')) as [number | null];
    return code;
  }
}

/** The SQLite database of an app started on SQLite (the default); throws for one on PostgreSQL. */
export function sqliteOf<T>(app: { readonly db: T | null }): T {
  if (app.db === null) throw new Error('this test needs the app on SQLite');
  return app.db;
}
