import { z } from 'zod';
import type { EnvOf, EnvSection } from '../config/env.js';
import { invalidCidrs } from '../monitors/ssrf/address-policy.js';
import { DEFAULT_CHAT_MONITOR_LIMITS, type ChatMonitorLimits } from './chat-monitor-limits.js';

/** Limits and allowed private ranges for monitors added from chat, and whether their pages are public. */
export type ChatMonitorSettings = ChatMonitorLimits & { readonly public: boolean };

/** The CHAT_MONITORS_* variables (README, Configuration), composed into the app's by src/app-config.ts. */
export const chatMonitorEnv = {
  env: z.object({
    CHAT_MONITORS_MAX_PER_CHAT: z.coerce
      .number()
      .int()
      .min(0)
      .max(1000)
      .default(DEFAULT_CHAT_MONITOR_LIMITS.maxPerOwner),
    CHAT_MONITORS_MIN_INTERVAL_S: z.coerce
      .number()
      .int()
      .min(10)
      .max(86_400)
      .default(DEFAULT_CHAT_MONITOR_LIMITS.minIntervalMs / 1000),
    CHAT_MONITORS_TIMEOUT_S: z.coerce
      .number()
      .int()
      .min(1)
      .max(60)
      .default(DEFAULT_CHAT_MONITOR_LIMITS.timeoutMs / 1000),
    CHAT_MONITORS_MAX_BODY_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .max(1024 * 1024)
      .default(DEFAULT_CHAT_MONITOR_LIMITS.maxBodyBytes),
    CHAT_MONITORS_MAX_REDIRECTS: z.coerce
      .number()
      .int()
      .min(0)
      .max(10)
      .default(DEFAULT_CHAT_MONITOR_LIMITS.maxRedirects),
    CHAT_MONITORS_ALLOWED_RANGES: z
      .string()
      .default('')
      .transform((v) =>
        v
          .split(',')
          .map((r) => r.trim())
          .filter((r) => r !== ''),
      )
      .refine((ranges) => invalidCidrs(ranges).length === 0, {
        message: 'must be comma-separated CIDR ranges, e.g. 192.168.1.0/24,127.0.0.1/32',
      }),
    CHAT_MONITORS_PUBLIC: z.enum(['true', 'false']).default('false'),
  }),
} satisfies EnvSection;

/** The settings from the section's validated variables. */
export function chatMonitorSettings(e: EnvOf<typeof chatMonitorEnv>): ChatMonitorSettings {
  return {
    maxPerOwner: e.CHAT_MONITORS_MAX_PER_CHAT,
    minIntervalMs: e.CHAT_MONITORS_MIN_INTERVAL_S * 1000,
    timeoutMs: e.CHAT_MONITORS_TIMEOUT_S * 1000,
    maxBodyBytes: e.CHAT_MONITORS_MAX_BODY_BYTES,
    maxRedirects: e.CHAT_MONITORS_MAX_REDIRECTS,
    allowedRanges: e.CHAT_MONITORS_ALLOWED_RANGES,
    public: e.CHAT_MONITORS_PUBLIC === 'true',
  };
}
