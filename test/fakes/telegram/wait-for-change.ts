/**
 * Awaiting a condition on the fake's state without sleeping: the predicate is re-evaluated on every
 * `change` event the fake emits.
 */
import type { EventEmitter } from 'node:events';

/** The fake emits this event after every state change. */
export const CHANGE_EVENT = 'change';

/**
 * Resolves with the predicate's value once it is neither undefined, null nor false; rejects after
 * `timeoutMs` (a safety net, not a delay) or at once if the predicate throws.
 */
export function waitForChange<T>(
  events: EventEmitter,
  predicate: () => T | undefined | null | false,
  timeoutMs: number,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer);
      events.off(CHANGE_EVENT, check);
    };
    const check = (): void => {
      try {
        const value = predicate();
        if (value === undefined || value === null || value === false) return;
        done();
        resolve(value);
      } catch (error) {
        done();
        reject(error as Error);
      }
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`waitFor: condition still false after ${timeoutMs} ms`));
    }, timeoutMs);
    events.on(CHANGE_EVENT, check);
    check();
  });
}
