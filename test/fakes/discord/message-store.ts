/**
 * Messages the bot sent through any route, with edit history and attachments.
 */
import { assertNotEmpty, checkMessageFields } from './message-validation.js';
import type { AttachmentRecord, MessageRecord, MessageSource, UploadedFile } from './records.js';
import type { SnowflakeGenerator } from './snowflake.js';

type Json = Record<string, unknown>;

/** Message flag 64: only the invoking user sees it. https://discord.com/developers/docs/resources/message#message-object-message-flags */
export const EPHEMERAL_FLAG = 64;
/** Message flag 128: the "thinking…" placeholder of a deferred response. */
export const LOADING_FLAG = 128;

/** Where a new message goes and who made it. */
export interface NewMessage {
  channelId: string;
  guildId: string | undefined;
  source: MessageSource;
  interactionId: string | undefined;
  body: Json;
  files: UploadedFile[];
  /** Deferred placeholders may be empty; everything else must show something (50006). */
  allowEmpty?: boolean;
}

/** `files[3]` → 3, the id the `attachments` array uses to describe it. */
function fileIndex(field: string): number | undefined {
  const match = /^files\[(\d+)\]$/.exec(field) ?? /^file(\d*)$/.exec(field);
  return match === null ? undefined : Number(match[1] === '' ? 0 : match[1]);
}

function arrayOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export class MessageStore {
  readonly byId = new Map<string, MessageRecord>();

  constructor(private readonly ids: SnowflakeGenerator) {}

  private attachmentsFrom(body: Json, files: UploadedFile[]): AttachmentRecord[] {
    const meta = arrayOf(body.attachments) as Json[];
    return files.map((file) => {
      const index = fileIndex(file.field);
      const described = meta.find((m) => index !== undefined && Number(m.id) === index);
      return {
        id: this.ids.next(),
        filename: typeof described?.filename === 'string' ? described.filename : file.filename,
        contentType: file.contentType,
        size: file.data.length,
        description: typeof described?.description === 'string' ? described.description : undefined,
        data: file.data,
      };
    });
  }

  /** Validates and stores a new message; throws 50035 / 50006 like Discord. */
  create(input: NewMessage): MessageRecord {
    checkMessageFields(input.body);
    const b = input.body;
    const attachments = this.attachmentsFrom(b, input.files);
    const record: MessageRecord = {
      id: this.ids.next(),
      channelId: input.channelId,
      guildId: input.guildId,
      source: input.source,
      interactionId: input.interactionId,
      content: typeof b.content === 'string' ? b.content : '',
      embeds: arrayOf(b.embeds),
      components: arrayOf(b.components),
      allowedMentions: b.allowed_mentions,
      messageReference: b.message_reference ?? undefined,
      flags: Number(b.flags ?? 0),
      tts: b.tts === true,
      attachments,
      createdAt: new Date().toISOString(),
      editedAt: null,
      edits: [],
      deleted: false,
      pinned: false,
    };
    if (input.allowEmpty !== true)
      assertNotEmpty({ ...record, attachmentCount: attachments.length, stickers: b.sticker_ids });
    this.byId.set(record.id, record);
    return record;
  }

  /** Applies an edit, keeping the replaced version; throws 50035 / 50006 like Discord. */
  edit(record: MessageRecord, body: Json, files: UploadedFile[]): void {
    checkMessageFields(body);
    const kept = Array.isArray(body.attachments)
      ? record.attachments.filter((a) => (body.attachments as Json[]).some((m) => String(m.id) === a.id))
      : record.attachments;
    const next = {
      content: typeof body.content === 'string' ? body.content : body.content === null ? '' : record.content,
      embeds: body.embeds === undefined ? record.embeds : arrayOf(body.embeds),
      components: body.components === undefined ? record.components : arrayOf(body.components),
      attachments: [...kept, ...this.attachmentsFrom(body, files)],
    };
    assertNotEmpty({ ...next, attachmentCount: next.attachments.length });
    const now = new Date().toISOString();
    record.edits.push({
      content: record.content,
      embeds: record.embeds,
      components: record.components,
      attachments: record.attachments,
      replacedAt: now,
    });
    Object.assign(record, next, { editedAt: now, flags: record.flags & ~LOADING_FLAG });
    if (body.allowed_mentions !== undefined) record.allowedMentions = body.allowed_mentions;
  }

  /** Messages of one channel in the order they were sent, deleted ones included. */
  inChannel(channelId: string): MessageRecord[] {
    return [...this.byId.values()].filter((m) => m.channelId === channelId);
  }
}
