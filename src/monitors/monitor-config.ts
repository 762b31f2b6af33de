import type { MonitorDef } from '../core/catalog.js';
import type { AnyProbe } from './probe.js';

/** When a monitor runs: every fixed interval, or on a cron expression (with seconds). */
export type Schedule =
  { readonly kind: 'every'; readonly ms: number } | { readonly kind: 'cron'; readonly expression: string };

/**
 * A monitor ready to schedule: the core's view plus how to run it. Built from the services file
 * (src/config/services-file.ts) or from a chat's `/monitor add` (src/chat-monitors).
 */
export interface MonitorConfig extends MonitorDef {
  readonly probe: AnyProbe;
  readonly options: unknown;
  readonly timeoutMs: number;
  readonly schedule: Schedule;
}
