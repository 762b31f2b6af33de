import type { RESTOptions } from 'discord.js';
import { rejectLongRateLimits } from './discord-errors.js';

/**
 * Sends discord.js's REST requests through Node's own fetch.
 *
 * By default @discordjs/rest calls `request` from its own copy of undici (6), which goes through
 * the process-wide global dispatcher: whichever copy of undici was loaded first installs it. When
 * that is ours (7, loaded by the probes before the lazily imported Discord adapter), it does not
 * recognise the FormData of an upload and every message with a chart fails with "action is not a
 * function". Node's fetch encodes the body itself, so it works whichever dispatcher is installed.
 */
const discordFetch: RESTOptions['makeRequest'] = (url, init) => fetch(url, init as unknown as RequestInit);

/** The REST options every Discord client of ours uses (the app's and the tests'). */
export const DISCORD_REST_OPTIONS = {
  rejectOnRateLimit: rejectLongRateLimits,
  makeRequest: discordFetch,
} satisfies Partial<RESTOptions>;
