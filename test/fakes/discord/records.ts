/**
 * What the fake remembers about the bot's traffic; tests assert on these records.
 */

/** A file of a multipart request (`files[n]`), e.g. a PNG chart. */
export interface UploadedFile {
  /** The form field name, `files[0]` and so on. */
  field: string;
  filename: string;
  contentType: string | undefined;
  data: Buffer;
}

/** An attachment as stored on a message. */
export interface AttachmentRecord {
  id: string;
  filename: string;
  contentType: string | undefined;
  size: number;
  description: string | undefined;
  data: Buffer;
}

/** One earlier version of a message, kept when it is edited. */
export interface MessageVersion {
  content: string;
  embeds: unknown[];
  components: unknown[];
  attachments: AttachmentRecord[];
  /** ISO time this version was replaced. */
  replacedAt: string;
}

/** Where a message came from. */
export type MessageSource = 'channel' | 'interaction-response' | 'follow-up';

/** A message the bot sent, in its current state, with its edit history. */
export interface MessageRecord {
  id: string;
  channelId: string;
  guildId: string | undefined;
  source: MessageSource;
  /** Set for interaction responses and follow-ups. */
  interactionId: string | undefined;
  content: string;
  embeds: unknown[];
  components: unknown[];
  /** As the bot sent it; `undefined` when absent (Discord's default then applies). */
  allowedMentions: unknown;
  messageReference: unknown;
  /** Message flags, e.g. 64 ephemeral, 128 loading (deferred). */
  flags: number;
  tts: boolean;
  attachments: AttachmentRecord[];
  createdAt: string;
  editedAt: string | null;
  /** Replaced versions, oldest first. */
  edits: MessageVersion[];
  deleted: boolean;
  /** Pinned in its channel (`PUT /channels/{id}/messages/pins/{id}`); absent: not pinned. */
  pinned?: boolean;
}

/** The bot's answer through `POST /interactions/{id}/{token}/callback`. */
export interface InteractionCallbackRecord {
  /** Callback type: 4 reply, 5 deferred, 6 deferred update, 7 update, 8 autocomplete result, 9 modal. */
  type: number;
  /** The callback's `data` (message fields, `{choices}` or the modal). */
  data: Record<string, unknown>;
  files: UploadedFile[];
  atMs: number;
}

/** An interaction the fake dispatched and what happened to it. */
export interface InteractionRecord {
  id: string;
  token: string;
  /** 2 application command, 3 message component, 4 autocomplete. */
  type: number;
  channelId: string;
  guildId: string;
  /** The component's message, for button presses. */
  messageId: string | undefined;
  createdAtMs: number;
  /**
   * Whether INTERACTION_CREATE reached a gateway session: false when no session held the guild's
   * shard, which Discord users see as "This interaction failed".
   */
  delivered: boolean;
  /** The first accepted callback. */
  response: InteractionCallbackRecord | undefined;
  /** Callbacks refused with 40060 or 10062. */
  refusedCallbacks: number;
  originalMessageId: string | undefined;
  followUpIds: string[];
}

/** One HTTP request the fake answered. */
export interface CallRecord {
  method: string;
  /** Path after `/api/v10`, decoded, e.g. `/channels/1/messages`. */
  path: string;
  /** The matched route pattern, `undefined` for unknown routes. */
  route: string | undefined;
  query: string;
  status: number;
  /** Discord's JSON error code for failures. */
  code: number | undefined;
  /** Parsed JSON body (or `payload_json` of a multipart body). */
  body: unknown;
  atMs: number;
}

/** A gateway frame the fake sent or received. */
export interface GatewayLogEntry {
  direction: 'sent' | 'received';
  op: number;
  /** Dispatch event name for op 0. */
  t: string | undefined;
  s: number | undefined;
  sessionId: string | undefined;
  /** The path the socket connected to (`/gateway` or the resume path). */
  path: string;
}
