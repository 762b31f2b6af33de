import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { EnvOf, EnvSection } from '../config/env.js';

/** A name for an instance or a vantage point: letters, digits, `.`, `_`, `-` (it goes in logs and alerts). */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const name = (what: string) =>
  z
    .string()
    .trim()
    .regex(NAME, `${what}: 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit`)
    .optional()
    .or(z.literal('').transform(() => undefined));

/**
 * The variables of running several instances against one PostgreSQL (docs/cluster.md), composed
 * into the app's by src/app-config.ts. On SQLite there is one instance: only `VANTAGE` is used (it
 * names where the checks come from).
 */
export const clusterEnv = {
  env: z.object({
    INSTANCE_ID: name('INSTANCE_ID'),
    VANTAGE: name('VANTAGE'),
    CLUSTER_LEASE_S: z.coerce.number().min(1).max(300).default(15),
  }),
} satisfies EnvSection;

export interface ClusterSettings {
  /** This instance's name in the membership table: `INSTANCE_ID`, else `<host>-<random>`. */
  readonly instanceId: string;
  /** Where this instance sees the internet from (`VANTAGE`, default `local`). */
  readonly vantage: string;
  /**
   * How long a lease lasts without renewal: a dead instance's services are taken over within it.
   * Heartbeats and renewals run three times per period.
   */
  readonly leaseMs: number;
}

export function clusterSettings(e: EnvOf<typeof clusterEnv>): ClusterSettings {
  const host =
    hostname()
      .replace(/[^A-Za-z0-9._-]/g, '-')
      .slice(0, 40) || 'instance';
  return {
    instanceId: e.INSTANCE_ID ?? `${host}-${randomBytes(3).toString('hex')}`,
    vantage: e.VANTAGE ?? 'local',
    leaseMs: Math.round(e.CLUSTER_LEASE_S * 1000),
  };
}
