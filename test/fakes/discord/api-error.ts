/**
 * Discord's JSON error contract: `{code, message[, errors]}` with the HTTP status Discord uses, so
 * @discordjs/rest throws a real `DiscordAPIError` with `.code` and `.status`.
 * https://discord.com/developers/docs/topics/opcodes-and-status-codes#json ; docs/platforms.md §1.1.
 */

/** One leaf error of an `Invalid Form Body` answer, e.g. `{code:'BASE_TYPE_MAX_LENGTH', message}`. */
export interface FieldError {
  code: string;
  message: string;
}

/** Nested like the request body: `{content: {_errors: [...]}, embeds: {'0': {title: {_errors}}}}`. */
export interface FormErrorTree {
  _errors?: FieldError[];
  [key: string]: FormErrorTree | FieldError[] | undefined;
}

/** Collects field errors by path and renders them in Discord's `errors` shape. */
export class FormErrors {
  readonly tree: FormErrorTree = {};
  private count = 0;

  /** Adds an error at `path` (object keys and array indexes, as in the request body). */
  add(path: readonly (string | number)[], error: FieldError): void {
    let node = this.tree;
    for (const key of path) {
      const child = (node[String(key)] ?? {}) as FormErrorTree;
      node[String(key)] = child;
      node = child;
    }
    node._errors = [...(node._errors ?? []), error];
    this.count += 1;
  }

  get isEmpty(): boolean {
    return this.count === 0;
  }
}

/** An error answer; thrown by route handlers and rendered by the router. */
export class DiscordApiError extends Error {
  override readonly name = 'DiscordApiError';

  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly errors?: FormErrorTree,
  ) {
    super(message);
  }

  /** The JSON body Discord sends. */
  toBody(): Record<string, unknown> {
    return {
      message: this.message,
      code: this.code,
      ...(this.errors === undefined ? {} : { errors: this.errors }),
    };
  }
}

/** `BASE_TYPE_MAX_LENGTH` as Discord words it. */
export function maxLengthError(max: number): FieldError {
  return { code: 'BASE_TYPE_MAX_LENGTH', message: `Must be ${max} or fewer in length.` };
}

/** `BASE_TYPE_BAD_LENGTH` for a length range. */
export function badLengthError(min: number, max: number): FieldError {
  return { code: 'BASE_TYPE_BAD_LENGTH', message: `Must be between ${min} and ${max} in length.` };
}

/** 400 50035 from collected field errors. */
export function invalidFormBody(errors: FormErrors): DiscordApiError {
  return new DiscordApiError(400, 50035, 'Invalid Form Body', errors.tree);
}

/** The errors an alert bot meets, with Discord's statuses and texts. */
export const apiErrors = {
  unauthorized: () => new DiscordApiError(401, 0, '401: Unauthorized'),
  notFound: () => new DiscordApiError(404, 0, '404: Not Found'),
  methodNotAllowed: () => new DiscordApiError(405, 0, '405: Method Not Allowed'),
  unknownChannel: () => new DiscordApiError(404, 10003, 'Unknown Channel'),
  unknownGuild: () => new DiscordApiError(404, 10004, 'Unknown Guild'),
  unknownMember: () => new DiscordApiError(404, 10007, 'Unknown Member'),
  unknownMessage: () => new DiscordApiError(404, 10008, 'Unknown Message'),
  unknownWebhook: () => new DiscordApiError(404, 10015, 'Unknown Webhook'),
  unknownCommand: () => new DiscordApiError(404, 10063, 'Unknown application command'),
  unknownInteraction: () => new DiscordApiError(404, 10062, 'Unknown interaction'),
  notAuthorizedForApplication: () =>
    new DiscordApiError(403, 20012, 'You are not authorized to perform this action on this application'),
  /** Discord answers 30034 while its daily window is full; a 400 here so clients fail instead of waiting a day. */
  dailyCommandCreates: (max: number) =>
    new DiscordApiError(
      400,
      30034,
      `Max number of daily application command creates has been reached (${max})`,
    ),
  maximumPins: () => new DiscordApiError(400, 30003, 'Maximum number of pins reached (50)'),
  alreadyAcknowledged: () => new DiscordApiError(400, 40060, 'Interaction has already been acknowledged.'),
  missingAccess: () => new DiscordApiError(403, 50001, 'Missing Access'),
  emptyMessage: () => new DiscordApiError(400, 50006, 'Cannot send an empty message'),
  missingPermissions: () => new DiscordApiError(403, 50013, 'Missing Permissions'),
  invalidWebhookToken: () => new DiscordApiError(401, 50027, 'Invalid Webhook Token'),
  payloadTooLarge: () => new DiscordApiError(413, 40005, 'Request entity too large'),
  badJson: () => new DiscordApiError(400, 50109, 'The request body contains invalid JSON.'),
  threadArchived: () => new DiscordApiError(400, 50083, 'Thread is archived'),
  threadAlreadyCreated: () =>
    new DiscordApiError(400, 160004, 'A thread has already been created for this message'),
} as const;
