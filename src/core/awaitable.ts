/**
 * The stores' ports are answered now by an embedded backend (SQLite, in process) and later by a
 * networked one (PostgreSQL). A port method returns `Awaitable<T>` and every caller awaits it, so
 * the SQLite stores keep answering synchronously (no promise, no extra tick on the hot paths)
 * while the PostgreSQL stores return promises (docs/postgres.md).
 */
export type Awaitable<T> = T | Promise<T>;

/**
 * The asynchronous form of a port: every method returns a promise of what the synchronous one
 * returns. What a networked backend's store implements; it satisfies the port once the port's
 * methods return `Awaitable`.
 */
export type AsyncPort<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : T[K];
};
