import { StorageUnavailableError } from '../storage-health.js';

/** Node's socket errors when the server cannot be reached or the connection breaks. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EPIPE',
]);
/**
 * SQLSTATEs that mean "the database cannot take this now", not "this statement is wrong":
 * connection exceptions (class 08), the server shutting down or starting (57P01-57P03), too many
 * connections (53300), out of disk (53100), a read-only server (25006).
 */
const UNAVAILABLE_STATES = /^(08...|57P0[123]|53300|53100|25006)$/;
/** node-postgres's own messages for a connection that ended or never came. */
const DRIVER_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/;

/** Why the database could not answer (`database unreachable`, …), or null for any other error. */
export function unavailableReason(err: unknown): string | null {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return 'database unreachable';
  if (typeof code === 'string' && UNAVAILABLE_STATES.test(code)) return 'database unavailable';
  const message = err instanceof Error ? err.message : '';
  return DRIVER_MESSAGES.test(message) ? 'database unreachable' : null;
}

/**
 * The store with every method's failure for want of a database turned into a
 * StorageUnavailableError, which chat commands answer with their "could not be stored, try again"
 * reply in the chat's language (as SQLite's full disk is); other errors go on as they are.
 */
export function guardUnavailable<T extends object>(store: T): T {
  return new Proxy(store, {
    get: (object, name, receiver) => {
      const value: unknown = Reflect.get(object, name, receiver);
      if (typeof value !== 'function') return value;
      const fn = value as (...args: unknown[]) => unknown;
      return (...args: unknown[]) => {
        const result = fn.apply(object, args);
        if (!(result instanceof Promise)) return result;
        return result.catch((err: unknown) => {
          const reason = unavailableReason(err);
          throw reason === null ? err : new StorageUnavailableError(reason);
        });
      };
    },
  });
}
