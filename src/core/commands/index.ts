/**
 * The command layer's public surface for the platform adapters and the composition root.
 * See command-service.ts for the use cases, command-request.ts for the request and reply.
 */
export * from './command-parser.js';
export * from './command-request.js';
export * from './command-service.js';
export * from './button-command.js';
export type * from './ports.js';
export { ALL_KEYWORD, MAX_AUTOCOMPLETE_CHOICES, type Resolution } from './service-resolver.js';
