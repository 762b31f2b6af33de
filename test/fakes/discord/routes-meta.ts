/**
 * Routes discord.js calls around login and for lookups: the gateway URL, the bot user, the
 * application and guilds. https://discord.com/developers/docs/events/gateway#get-gateway-bot
 */
import { apiErrors } from './api-error.js';
import { memberGuild } from './channel-access.js';
import type { FakeState } from './fake-state.js';
import { botUserPayload, channelPayload, guildPayload, memberPayload, rolePayload } from './payloads.js';
import type { RouteDef } from './rest-router.js';

/** Path of the gateway WebSocket; resumes go to {@link RESUME_GATEWAY_PATH} (READY's `resume_gateway_url`). */
export const GATEWAY_PATH = '/gateway';
export const RESUME_GATEWAY_PATH = '/gateway-resume';

/** Large enough that discord.js never waits for a session start (`remaining` must be ≥ shards). */
const SESSION_START_LIMIT = { total: 1000, remaining: 1000, reset_after: 86_400_000 };

/** `ws://127.0.0.1:PORT/gateway`. */
export function gatewayUrl(state: FakeState, path = GATEWAY_PATH): string {
  return `${state.origin().replace(/^http/, 'ws')}${path}`;
}

function applicationPayload(state: FakeState): Record<string, unknown> {
  return {
    id: state.applicationId,
    name: state.bot.username,
    icon: null,
    description: '',
    bot_public: true,
    bot_require_code_grant: false,
    verify_key: '0'.repeat(64),
    flags: 0,
    owner: {
      id: state.applicationId,
      username: 'owner',
      discriminator: '0',
      global_name: null,
      avatar: null,
      flags: 0,
    },
    team: null,
    bot: botUserPayload(state.bot),
  };
}

/** Routes for the gateway, users, applications and guilds. */
export const metaRoutes: readonly RouteDef[] = [
  {
    method: 'GET',
    pattern: '/gateway/bot',
    auth: 'bot',
    limit: 'other',
    handler: ({ state }) => ({
      status: 200,
      body: {
        url: gatewayUrl(state),
        shards: state.sharding.recommendedShards,
        session_start_limit: { ...SESSION_START_LIMIT, max_concurrency: state.sharding.maxConcurrency },
      },
    }),
  },
  {
    method: 'GET',
    pattern: '/gateway',
    auth: 'none',
    limit: 'other',
    handler: ({ state }) => ({ status: 200, body: { url: gatewayUrl(state) } }),
  },
  {
    method: 'GET',
    pattern: '/users/@me',
    auth: 'bot',
    limit: 'other',
    handler: ({ state }) => ({ status: 200, body: botUserPayload(state.bot) }),
  },
  {
    method: 'GET',
    pattern: '/applications/@me',
    auth: 'bot',
    limit: 'other',
    handler: ({ state }) => ({ status: 200, body: applicationPayload(state) }),
  },
  {
    method: 'GET',
    pattern: '/oauth2/applications/@me',
    auth: 'bot',
    limit: 'other',
    handler: ({ state }) => ({ status: 200, body: applicationPayload(state) }),
  },
  {
    method: 'GET',
    pattern: '/guilds/:guildId',
    auth: 'bot',
    limit: 'other',
    handler: ({ state, params }) => ({
      status: 200,
      body: guildPayload(memberGuild(state, params.guildId ?? '')),
    }),
  },
  {
    method: 'GET',
    pattern: '/guilds/:guildId/channels',
    auth: 'bot',
    limit: 'other',
    handler: ({ state, params }) => ({
      status: 200,
      body: memberGuild(state, params.guildId ?? '')
        .channels.filter((c) => !c.deleted)
        .map(channelPayload),
    }),
  },
  {
    method: 'GET',
    pattern: '/guilds/:guildId/roles',
    auth: 'bot',
    limit: 'other',
    handler: ({ state, params }) => ({
      status: 200,
      body: memberGuild(state, params.guildId ?? '').roles.map(rolePayload),
    }),
  },
  {
    method: 'GET',
    pattern: '/guilds/:guildId/members/:userId',
    auth: 'bot',
    limit: 'other',
    handler: ({ state, params }) => {
      const member = memberGuild(state, params.guildId ?? '').members.get(params.userId ?? '');
      if (member === undefined) throw apiErrors.unknownMember();
      return { status: 200, body: memberPayload(member) };
    },
  },
];
