/** Operator limits on monitors added from chat; set through env (CHAT_MONITORS_*, `chat-monitor-env.ts`). */
export interface ChatMonitorLimits {
  /** Monitors per Discord guild or Telegram chat. */
  readonly maxPerOwner: number;
  /** Shortest interval a chat may ask for; also the default. */
  readonly minIntervalMs: number;
  readonly timeoutMs: number;
  /** Body bytes read for a keyword check. */
  readonly maxBodyBytes: number;
  readonly maxRedirects: number;
  /** Operator-allowed private ranges (CIDR), e.g. a homelab, or `127.0.0.1/32` for a demo. */
  readonly allowedRanges: readonly string[];
}

export const DEFAULT_CHAT_MONITOR_LIMITS: ChatMonitorLimits = {
  maxPerOwner: 20,
  minIntervalMs: 60_000,
  timeoutMs: 10_000,
  maxBodyBytes: 64 * 1024,
  maxRedirects: 5,
  allowedRanges: [],
};
