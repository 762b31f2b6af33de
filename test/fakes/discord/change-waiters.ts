/**
 * `waitFor` without sleeping: predicates are re-checked whenever the fake's state changes (a REST
 * call answered, a gateway frame sent or received), so tests await events, not time.
 */

/** Default patience of a wait, well under vitest's 20 s test timeout. */
export const DEFAULT_WAIT_MS = 5_000;

type Check = (closed?: Error) => void;

export class ChangeWaiters {
  private readonly checks = new Set<Check>();
  private closedWith: Error | undefined;

  /**
   * Resolves with the first truthy value of `predicate`, checked now and after every change;
   * rejects after `timeoutMs`, when the predicate throws, or when {@link closeAll} runs.
   */
  waitFor<T>(predicate: () => T, timeoutMs = DEFAULT_WAIT_MS): Promise<NonNullable<T>> {
    return new Promise((resolve, reject) => {
      const fail = (err: unknown): void => {
        finish();
        reject(err instanceof Error ? err : new Error(String(err)));
      };
      const finish = (): void => {
        clearTimeout(timer);
        this.checks.delete(check);
      };
      const check: Check = (closed) => {
        if (closed !== undefined) return fail(closed);
        try {
          const value = predicate();
          if (value) {
            finish();
            resolve(value as NonNullable<T>);
          }
        } catch (err) {
          fail(err);
        }
      };
      const timer = setTimeout(
        () => fail(new Error(`fake discord: waitFor timed out after ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.checks.add(check);
      check(this.closedWith);
    });
  }

  /** Re-checks every pending predicate. */
  notify(): void {
    for (const check of [...this.checks]) check();
  }

  /** Rejects every pending and future wait with `reason`. */
  closeAll(reason: Error): void {
    this.closedWith = reason;
    for (const check of [...this.checks]) check(reason);
  }
}
