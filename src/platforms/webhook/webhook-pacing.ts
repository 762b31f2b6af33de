import type { PacingPolicy } from '../../dispatch/pacer.js';

/**
 * A modest pace: 5 requests/s to one endpoint (a burst of 5), 20/s over all of them. A receiver
 * that wants less answers 429 with `Retry-After`, which the worker obeys for that endpoint.
 */
export const WEBHOOK_PACING: PacingPolicy = {
  global: { burst: 20, perMs: 1000 },
  privateChat: { burst: 5, perMs: 1000 },
  groupChat: null,
  isGroupChat: () => false,
};
