import type { AsyncPort } from '../../src/core/awaitable.js';

/**
 * `target` as a networked store would answer: every method call resolves (or rejects) on a later
 * event-loop turn, as a PostgreSQL query does. A caller that uses an answer without awaiting it
 * gets a promise instead of the value, so a test over this wrapper fails where the synchronous
 * store would hide the missing `await`. Only methods are wrapped; other properties read through.
 */
export function asyncPort<T extends object>(target: T): AsyncPort<T> {
  return new Proxy(target, {
    get(object, key) {
      const value: unknown = Reflect.get(object, key, object);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) =>
        new Promise((resolve, reject) => {
          setImmediate(() => {
            try {
              resolve((value as (...a: unknown[]) => unknown).apply(object, args));
            } catch (err) {
              reject(err instanceof Error ? err : new Error(String(err)));
            }
          });
        });
    },
  }) as unknown as AsyncPort<T>;
}
