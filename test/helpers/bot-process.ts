import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';

/** The bot from source, through tsx's command line (which runs it in a child process of its own). */
export const FROM_SOURCE: readonly string[] = ['node_modules/.bin/tsx', 'src/main.ts'];

/**
 * The bot run as `npm start` runs it, `node dist/main.js` (built for the run by
 * test/setup/build.ts), or as `command` says (FROM_SOURCE), with its stdout and stderr collected.
 * Under tsx (any program other than node itself) it leads a process group of its own, and SIGKILL
 * goes to the whole group: tsx's command line forwards SIGTERM to the bot it runs, but SIGKILL
 * would kill only tsx and leave the bot running (still checking and polling, taking CPU from the
 * tests that follow) until it noticed. The built bot is one process and stays in the test's group,
 * so a Ctrl-C at the terminal still reaches it.
 */
export class BotProcess {
  readonly stdout: string[] = [];
  stderr = '';
  private buffer = '';
  private readonly waiters: (() => void)[] = [];
  readonly child: ChildProcess;
  private readonly ownGroup: boolean;

  constructor(env: NodeJS.ProcessEnv, command: readonly string[] = [process.execPath, 'dist/main.js']) {
    const [program = process.execPath, ...args] = command;
    this.ownGroup = program !== process.execPath;
    this.child = spawn(program, args, {
      // Alerts gather for 1 s rather than 5: a test that is about grouping sets its own.
      env: { PATH: process.env['PATH'], LOG_LEVEL: 'warn', ALERT_GATHER_S: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: this.ownGroup,
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
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    const exited = once(this.child, 'exit');
    // SIGKILL goes to tsx's whole group, so the bot dies too; another signal goes to the process
    // started (tsx forwards it to the bot once, as it does for a user's Ctrl-C).
    if (signal === 'SIGKILL' && this.ownGroup) this.killGroup();
    else this.child.kill(signal);
    const [code] = (await exited) as [number | null];
    return code;
  }

  /** SIGKILL to the bot's process group (gone already: nothing to do). */
  private killGroup(): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
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
