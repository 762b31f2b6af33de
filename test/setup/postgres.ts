/**
 * One throw-away PostgreSQL server for the whole test run (test/helpers/postgres-cluster.ts): the
 * tests that run against PostgreSQL each create their own database on it (`testDatabase` in
 * test/helpers/postgres.ts). It is stopped and its folder removed when the run ends.
 */
import type { TestProject } from 'vitest/node';
import { startPostgresCluster } from '../helpers/postgres-cluster.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The throw-away server's superuser URL (`postgres://postgres@127.0.0.1:<port>/postgres`). */
    postgresUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cluster = await startPostgresCluster();
  project.provide('postgresUrl', cluster.url);
  return () => cluster.stop();
}
