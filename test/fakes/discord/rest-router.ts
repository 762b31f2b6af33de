/**
 * The REST half of the fake: matches `/api/v10/...` requests to route handlers, checks the bot
 * token, applies rate limits, renders Discord's error bodies and records every call.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { apiErrors, DiscordApiError } from './api-error.js';
import type { FakeState } from './fake-state.js';
import type { LimitedRequest } from './rate-limits.js';
import type { UploadedFile } from './records.js';
import { checkUploads, readBody } from './request-body.js';

/** discord.js builds `${api}/v10${route}` (docs/platforms.md §2.1). */
export const API_PREFIX = '/api/v10';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** What a handler gets. */
export interface RouteContext {
  state: FakeState;
  params: Readonly<Record<string, string>>;
  query: URLSearchParams;
  /** Parsed JSON body, or `payload_json` of a multipart body. */
  body: unknown;
  files: UploadedFile[];
}

/** A handler's answer; `body: undefined` means 204 without Content-Type (docs/platforms.md §2.2). */
export interface RouteResult {
  status: number;
  body?: unknown;
}

export interface RouteDef {
  method: HttpMethod;
  /** Segments, `:name` for parameters, e.g. `/channels/:channelId/messages`. */
  pattern: string;
  /** `bot`: needs `Authorization: Bot <token>`; `none`: interaction routes authenticate by URL token. */
  auth: 'bot' | 'none';
  /** Which rate limit applies. */
  limit: LimitedRequest['kind'];
  handler(ctx: RouteContext): RouteResult | Promise<RouteResult>;
}

function splitPath(path: string): string[] {
  return path
    .split('/')
    .filter((s) => s !== '')
    .map((s) => decodeURIComponent(s));
}

function matchPattern(pattern: string, segments: string[]): Record<string, string> | undefined {
  const parts = splitPath(pattern);
  if (parts.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, part] of parts.entries()) {
    const segment = segments[i] ?? '';
    if (part.startsWith(':')) params[part.slice(1)] = segment;
    else if (part !== segment) return undefined;
  }
  return params;
}

/** Buckets are kept per top-level resource: channel, guild, or webhook id + token. */
function majorParameter(params: Record<string, string>): string {
  if (params.channelId !== undefined) return params.channelId;
  if (params.guildId !== undefined) return params.guildId;
  if (params.webhookId !== undefined) return `${params.webhookId}:${params.token ?? ''}`;
  return params.interactionId ?? 'global';
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
  if (body === undefined) {
    res.writeHead(status, headers).end();
    return;
  }
  res.writeHead(status, { ...headers, 'content-type': 'application/json' }).end(JSON.stringify(body));
}

interface Outcome {
  route: RouteDef | undefined;
  status: number;
  body: unknown;
  headers: Record<string, string>;
  requestBody: unknown;
}

/** Routes one request; never throws (errors become Discord error bodies or a 500). */
export class RestRouter {
  constructor(
    private readonly state: FakeState,
    private readonly routes: readonly RouteDef[],
  ) {}

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    const method = req.method ?? 'GET';
    const path = url.pathname.startsWith(API_PREFIX) ? url.pathname.slice(API_PREFIX.length) : url.pathname;
    let outcome: Outcome;
    try {
      outcome = await this.run(req, method, path, url.searchParams);
    } catch (err) {
      const error = err instanceof DiscordApiError ? err : undefined;
      if (error === undefined) console.error('fake discord: handler crashed', err);
      outcome = {
        route: undefined,
        status: error?.status ?? 500,
        body: error?.toBody() ?? { message: '500: Internal Server Error', code: 0 },
        headers: {},
        requestBody: undefined,
      };
    }
    const body = outcome.body as { code?: unknown } | undefined;
    this.state.calls.push({
      method,
      path: splitPath(path).reduce((p, s) => `${p}/${s}`, ''),
      route: outcome.route?.pattern,
      query: url.search,
      status: outcome.status,
      code: outcome.status >= 400 && typeof body?.code === 'number' ? body.code : undefined,
      body: outcome.requestBody,
      atMs: this.state.nowMs(),
    });
    send(res, outcome.status, outcome.body, outcome.headers);
    this.state.changed();
  }

  private find(
    method: string,
    path: string,
  ): { route: RouteDef; params: Record<string, string> } | 'wrong-method' | undefined {
    const segments = splitPath(path);
    let pathMatched = false;
    for (const route of this.routes) {
      const params = matchPattern(route.pattern, segments);
      if (params === undefined) continue;
      if (route.method === method) return { route, params };
      pathMatched = true;
    }
    return pathMatched ? 'wrong-method' : undefined;
  }

  private async run(
    req: IncomingMessage,
    method: string,
    path: string,
    query: URLSearchParams,
  ): Promise<Outcome> {
    const parsed = await readBody(req);
    const fail = (error: DiscordApiError, route?: RouteDef): Outcome => ({
      route,
      status: error.status,
      body: error.toBody(),
      headers: {},
      requestBody: parsed.json,
    });
    const found = this.find(method, path);
    if (found === 'wrong-method') return fail(apiErrors.methodNotAllowed());
    if (found === undefined) {
      this.state.reportUnknownRoute(method, path);
      return fail(apiErrors.notFound());
    }
    const { route, params } = found;
    if (route.auth === 'bot' && req.headers.authorization !== `Bot ${this.state.token}`)
      return fail(apiErrors.unauthorized(), route);
    const decision = this.state.limiter.check(
      {
        method,
        path,
        route: `${route.method} ${route.pattern}`,
        majorParameter: majorParameter(params),
        kind: route.limit,
      },
      this.state.nowMs(),
    );
    if (!decision.allowed)
      return { route, status: 429, body: decision.body, headers: decision.headers, requestBody: parsed.json };
    try {
      checkUploads(parsed.files, this.state.attachmentSizeLimitBytes);
      const result = await route.handler({
        state: this.state,
        params,
        query,
        body: parsed.json,
        files: parsed.files,
      });
      return {
        route,
        status: result.status,
        body: result.body,
        headers: decision.headers,
        requestBody: parsed.json,
      };
    } catch (err) {
      if (!(err instanceof DiscordApiError)) throw err;
      return { ...fail(err, route), headers: decision.headers };
    }
  }
}
