import { parseButtonPayload } from '../alert-message.js';
import type { CommandArgs } from './command-request.js';

/**
 * An alert button's payload (Telegram `callback_data`, Discord `custom_id`, made by
 * `buttonPayload`) as a command: `report-button` or `mute-button` with the service id, or null
 * when the payload is not one of ours or names a service no longer watched.
 */
export function parseButtonCommand(
  payload: string,
  knownServiceIds: readonly string[],
): { readonly command: 'report-button' | 'mute-button'; readonly args: CommandArgs } | null {
  const parsed = typeof payload === 'string' ? parseButtonPayload(payload, knownServiceIds) : null;
  if (parsed === null) return null;
  return {
    command: parsed.kind === 'report' ? 'report-button' : 'mute-button',
    args: { service: parsed.serviceId },
  };
}
