/**
 * The command layer's public surface for the platform adapters and the composition root.
 *
 * Wiring (app.ts): `new CommandService({ services: catalog, states: engine, incidents: queryStore,
 * subscriptions: subscriptionStore, reports: reportSink, clock, monitors: chatMonitorService },
 * { maxReplyChars })`; without `monitors`, `/monitor` says custom monitors are not enabled.
 *
 * Telegram: `parseCommandText(message.text, botUsername)` → `{ command, args, addressed }` (null:
 * not for us); callback queries: `parseButtonCommand(data, service.serviceIds())`.
 * Discord: the command name and its options by name (the arguments of `COMMANDS`, registry.ts; a
 * sub-command is `action`) go straight into `CommandRequest.args`; autocomplete calls
 * `service.autocomplete(focused, 25, { platform, chatId, guildId })` so a community also sees its
 * own chat-added services (without the third argument: the catalogue's only).
 * Then `await service.handle(request)` → `CommandReply` (never rejects): render `text` escaped,
 * privately when `ephemeral`, attach the chart of `chartServiceId`, log `error` when set, and
 * skip a `droppable` reply where private replies do not exist.
 */
export * from './button-command.js';
export type * from './command-definition.js';
export { SUBCOMMAND_ARG } from './command-definition.js';
export * from './command-parser.js';
export * from './command-request.js';
export * from './command-service.js';
export { MONITOR_ACTIONS, type MonitorAction } from './definitions/monitor-command.js';
export * from './registry.js';
export type * from './ports.js';
export { ALL_KEYWORD, MAX_AUTOCOMPLETE_CHOICES, type Resolution } from './service-resolver.js';
