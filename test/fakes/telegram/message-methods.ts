/**
 * Sending and editing: sendMessage, sendPhoto, editMessageText, answerCallbackQuery
 * (https://core.telegram.org/bots/api#available-methods).
 */
import { badRequest, tooManyRequests } from './api-error.js';
import type { BotApiMessage, PhotoSize } from './bot-api-types.js';
import type { ChatRecord } from './chat-store.js';
import type { FakeState, MethodHandler, SentMessageRecord } from './fake-state.js';
import { unixSeconds } from './fake-state.js';
import type { FormattedText } from './message-format.js';
import { CAPTION_TEXT, MESSAGE_TEXT, formatText, readReplyMarkup } from './message-format.js';
import type { Params, UploadedFile } from './request-params.js';

/** https://core.telegram.org/bots/api#answercallbackquery `text`: 0-200 characters. */
const MAX_CALLBACK_ANSWER_CHARS = 200;

/** Chat checks, then the flood windows; returns the chat to post in. */
function admitSend(state: FakeState, params: Params): ChatRecord {
  const record = state.store.resolve(params.string('chat_id'));
  state.store.assertBotCanPost(record);
  readThread(record, params);
  const retryAfterS = state.throttle.retryAfterS(record.chat.id, record.chat.type, state.nowMs());
  if (retryAfterS !== undefined) throw tooManyRequests(retryAfterS);
  return record;
}

/**
 * `message_thread_id`: a topic of a forum supergroup, which must exist (400 "message thread not
 * found" once deleted, or in a chat without topics) and be open (400 "TOPIC_CLOSED"). The fake
 * knows no reply threads of supergroups without topics, which Telegram also accepts here.
 */
function readThread(record: ChatRecord, params: Params): number | undefined {
  const threadId = params.int('message_thread_id');
  if (threadId === undefined) return undefined;
  const topic = record.chat.is_forum === true ? record.topics.get(threadId) : undefined;
  if (topic === undefined) throw badRequest('message thread not found');
  if (topic.closed) throw badRequest('TOPIC_CLOSED');
  return threadId;
}

/** `reply_parameters` (Bot API 7.0) or the older `reply_to_message_id`. */
function readReplyTo(record: ChatRecord, params: Params): BotApiMessage | undefined {
  const reply = params.json('reply_parameters') as
    { message_id?: unknown; allow_sending_without_reply?: unknown } | undefined;
  const messageId = reply?.message_id ?? params.int('reply_to_message_id');
  if (messageId === undefined) return undefined;
  const target = record.messages.get(Number(messageId));
  const lenient = reply?.allow_sending_without_reply === true || params.bool('allow_sending_without_reply');
  if (target === undefined && !lenient) throw badRequest('message to be replied not found');
  return target;
}

/** Stores the message, counts it against the windows and keeps the record for assertions. */
function commitSend(
  state: FakeState,
  record: ChatRecord,
  params: Params,
  content: { formatted: FormattedText; photo: UploadedFile | undefined; fields: Partial<BotApiMessage> },
): BotApiMessage {
  const replyMarkup = readReplyMarkup(params);
  const replyTo = readReplyTo(record, params);
  const threadId = readThread(record, params);
  const nowMs = state.nowMs();
  const sender = record.chat.type === 'channel' ? { sender_chat: record.chat } : { from: state.store.bot };
  // In a topic, a message that replies to nothing replies to the topic's creation message.
  const inTopic = threadId === undefined ? undefined : record.topics.get(threadId)?.created;
  const repliedTo = replyTo ?? inTopic;
  const message = state.store.addMessage(record, {
    date: unixSeconds(nowMs),
    ...(threadId === undefined ? {} : { message_thread_id: threadId, is_topic_message: true as const }),
    ...sender,
    ...content.fields,
    ...(repliedTo === undefined ? {} : { reply_to_message: repliedTo }),
    ...(replyMarkup === undefined ? {} : { reply_markup: replyMarkup }),
  });
  state.throttle.record(record.chat.id, record.chat.type, nowMs);
  const sent: SentMessageRecord = {
    chatId: record.chat.id,
    messageId: message.message_id,
    threadId,
    kind: content.photo === undefined ? 'text' : 'photo',
    ...content.formatted,
    replyToMessageId: replyTo?.message_id,
    replyMarkup,
    linkPreviewOptions: params.json('link_preview_options'),
    disableNotification: params.bool('disable_notification'),
    photo: content.photo,
    edits: [],
  };
  state.sent.push(sent);
  state.changed();
  return message;
}

const sendMessage: MethodHandler = (state, params) => {
  const record = admitSend(state, params);
  const formatted = formatText(params, MESSAGE_TEXT);
  const preview = params.json('link_preview_options');
  return commitSend(state, record, params, {
    formatted,
    photo: undefined,
    fields: {
      text: formatted.text,
      ...(formatted.entities.length > 0 ? { entities: formatted.entities } : {}),
      ...(preview === undefined ? {} : { link_preview_options: preview }),
    },
  });
};

const sendPhoto: MethodHandler = (state, params) => {
  const record = admitSend(state, params);
  const { fileId, photo } = readPhoto(state, params);
  const formatted = formatText(params, CAPTION_TEXT);
  state.files.set(fileId, photo);
  const size: PhotoSize = {
    file_id: fileId,
    file_unique_id: `unique-${fileId}`,
    ...pngDimensions(photo.bytes),
    file_size: photo.bytes.length,
  };
  return commitSend(state, record, params, {
    formatted,
    photo,
    fields: {
      photo: [size],
      ...(formatted.text === '' ? {} : { caption: formatted.text }),
      ...(formatted.entities.length > 0 ? { caption_entities: formatted.entities } : {}),
    },
  });
};

/** An uploaded part, or the `file_id` of an earlier upload. URLs are not fetched (tests are offline). */
function readPhoto(state: FakeState, params: Params): { fileId: string; photo: UploadedFile } {
  const upload = params.files.get('photo');
  if (upload !== undefined) {
    if (upload.bytes.length === 0) throw badRequest('file must be non-empty');
    return { fileId: `fake-photo-${state.files.size + 1}`, photo: upload };
  }
  const fileId = params.string('photo');
  if (fileId === undefined) throw badRequest('there is no photo in the request');
  const known = state.files.get(fileId);
  if (known === undefined) throw badRequest('wrong file identifier/HTTP URL specified');
  return { fileId, photo: known };
}

/** Width and height from a PNG's IHDR chunk; 0×0 for other formats. */
function pngDimensions(bytes: Buffer): { width: number; height: number } {
  const isPng = bytes.length >= 24 && bytes.toString('latin1', 12, 16) === 'IHDR';
  return isPng ? { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) } : { width: 0, height: 0 };
}

const editMessageText: MethodHandler = (state, params) => {
  if (params.has('inline_message_id')) throw badRequest('the fake does not support inline messages');
  const record = state.store.resolve(params.string('chat_id'));
  const messageId = params.int('message_id');
  const message = messageId === undefined ? undefined : record.messages.get(messageId);
  if (message === undefined) throw badRequest('message to edit not found');
  const sent = state.sent.find((s) => s.chatId === record.chat.id && s.messageId === messageId);
  if (sent === undefined) throw badRequest("message can't be edited");
  if (sent.kind !== 'text') throw badRequest('there is no text in the message to edit');
  const formatted = formatText(params, MESSAGE_TEXT);
  const replyMarkup = readReplyMarkup(params);
  const same =
    formatted.text === sent.text &&
    JSON.stringify(formatted.entities) === JSON.stringify(sent.entities) &&
    JSON.stringify(replyMarkup) === JSON.stringify(sent.replyMarkup);
  if (same) {
    throw badRequest(
      'message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
    );
  }
  const editDate = unixSeconds(state.nowMs());
  const { text, sourceText, parseMode, entities } = sent;
  sent.edits.push({ text, sourceText, parseMode, entities, replyMarkup: sent.replyMarkup, editDate });
  Object.assign(sent, formatted, { replyMarkup });
  message.text = formatted.text;
  message.edit_date = editDate;
  if (formatted.entities.length > 0) message.entities = formatted.entities;
  else delete message.entities;
  if (replyMarkup === undefined) delete message.reply_markup;
  else message.reply_markup = replyMarkup;
  state.changed();
  return message;
};

const answerCallbackQuery: MethodHandler = (state, params) => {
  const record = state.callbackQueries.get(params.string('callback_query_id') ?? '');
  if (record === undefined || record.answer !== undefined) {
    throw badRequest('query is too old and response timeout expired or query ID is invalid');
  }
  const text = params.string('text');
  if (text !== undefined && [...text].length > MAX_CALLBACK_ANSWER_CHARS) {
    throw badRequest('MESSAGE_TOO_LONG');
  }
  record.answer = {
    text,
    showAlert: params.bool('show_alert'),
    url: params.string('url'),
    cacheTimeS: params.int('cache_time') ?? 0,
  };
  state.changed();
  return true;
};

/**
 * pinChatMessage: in a group, only an administrator may pin (400 "not enough rights to manage
 * pinned messages in the chat"); the message must exist (400 "message to pin not found").
 * https://core.telegram.org/bots/api#pinchatmessage
 */
const pinChatMessage: MethodHandler = (state, params) => {
  const record = state.store.resolve(params.string('chat_id'));
  const messageId = params.int('message_id');
  if (messageId === undefined || !record.messages.has(messageId))
    throw badRequest('message to pin not found');
  if (record.chat.type !== 'private' && state.store.botStatus(record) !== 'administrator')
    throw badRequest('not enough rights to manage pinned messages in the chat');
  record.pinnedMessageIds = [...(record.pinnedMessageIds ?? []).filter((id) => id !== messageId), messageId];
  state.changed();
  return true;
};

/**
 * unpinChatMessage: the same right as pinning; `message_id` names the pin to remove, else the most
 * recent one goes. A message that is not pinned changes nothing.
 * https://core.telegram.org/bots/api#unpinchatmessage
 */
const unpinChatMessage: MethodHandler = (state, params) => {
  const record = state.store.resolve(params.string('chat_id'));
  if (record.chat.type !== 'private' && state.store.botStatus(record) !== 'administrator')
    throw badRequest('not enough rights to manage pinned messages in the chat');
  const pinned = record.pinnedMessageIds ?? [];
  const messageId = params.int('message_id') ?? pinned.at(-1);
  record.pinnedMessageIds = pinned.filter((id) => id !== messageId);
  state.changed();
  return true;
};

/** Handlers by lower-case method name. */
export const MESSAGE_METHODS: Readonly<Record<string, MethodHandler>> = {
  sendmessage: sendMessage,
  sendphoto: sendPhoto,
  editmessagetext: editMessageText,
  answercallbackquery: answerCallbackQuery,
  pinchatmessage: pinChatMessage,
  unpinchatmessage: unpinChatMessage,
};
