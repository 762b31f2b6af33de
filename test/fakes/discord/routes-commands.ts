/**
 * Application command routes, global and per guild:
 * https://discord.com/developers/docs/interactions/application-commands#endpoints
 */
import { apiErrors } from './api-error.js';
import { memberGuild } from './channel-access.js';
import { GLOBAL_SCOPE } from './command-store.js';
import { checkCommandList, checkSingleCommand } from './command-validation.js';
import type { RouteContext, RouteDef, RouteResult } from './rest-router.js';

/** Resolves the scope of a command route, checking the application id and guild membership. */
function scopeOf(ctx: RouteContext): string {
  if (ctx.params.applicationId !== ctx.state.applicationId) throw apiErrors.notAuthorizedForApplication();
  const guildId = ctx.params.guildId;
  if (guildId === undefined) return GLOBAL_SCOPE;
  memberGuild(ctx.state, guildId);
  return guildId;
}

function assertCreatesLeft(ctx: RouteContext, scope: string, newCommands: number): void {
  const { commands } = ctx.state;
  if (newCommands > 0 && (commands.creates.get(scope) ?? 0) + newCommands > commands.createsPerDay)
    throw apiErrors.dailyCommandCreates(commands.createsPerDay);
}

function overwrite(ctx: RouteContext): RouteResult {
  const scope = scopeOf(ctx);
  const commands = checkCommandList(ctx.body);
  assertCreatesLeft(ctx, scope, ctx.state.commands.countNew(scope, commands));
  return { status: 200, body: ctx.state.commands.overwrite(scope, commands) };
}

function create(ctx: RouteContext): RouteResult {
  const scope = scopeOf(ctx);
  const command = checkSingleCommand(ctx.body);
  assertCreatesLeft(ctx, scope, ctx.state.commands.countNew(scope, [command]));
  const { command: stored, created } = ctx.state.commands.upsert(scope, command);
  return { status: created ? 201 : 200, body: stored };
}

function remove(ctx: RouteContext): RouteResult {
  if (!ctx.state.commands.remove(scopeOf(ctx), ctx.params.commandId ?? '')) throw apiErrors.unknownCommand();
  return { status: 204 };
}

/**
 * `GET …/commands` includes the full localisation dictionaries only with `?with_localizations=true`;
 * without it Discord leaves them out (it sends `*_localized` strings in the requester's locale
 * instead, which a bot, having no locale, does not get).
 */
function list(ctx: RouteContext): RouteResult {
  const commands = ctx.state.commands.list(scopeOf(ctx));
  const full = ctx.query.get('with_localizations') === 'true';
  return { status: 200, body: full ? commands : commands.map(withoutLocalizations) };
}

function withoutLocalizations(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutLocalizations);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== 'name_localizations' && key !== 'description_localizations')
      .map(([key, v]) => [key, withoutLocalizations(v)]),
  );
}

function routesUnder(base: string): RouteDef[] {
  return [
    { method: 'PUT', pattern: `${base}/commands`, auth: 'bot', limit: 'other', handler: overwrite },
    {
      method: 'GET',
      pattern: `${base}/commands`,
      auth: 'bot',
      limit: 'other',
      handler: list,
    },
    { method: 'POST', pattern: `${base}/commands`, auth: 'bot', limit: 'other', handler: create },
    {
      method: 'DELETE',
      pattern: `${base}/commands/:commandId`,
      auth: 'bot',
      limit: 'other',
      handler: remove,
    },
  ];
}

/** Command routes of both scopes. */
export const commandRoutes: readonly RouteDef[] = [
  ...routesUnder('/applications/:applicationId'),
  ...routesUnder('/applications/:applicationId/guilds/:guildId'),
];
