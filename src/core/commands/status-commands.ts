import { describeEvidence } from '../alert-message.js';
import { toPlainLine } from '../i18n/text-fit.js';
import type { ServiceStatusLine } from '../i18n/index.js';
import type { State } from '../model.js';
import type { CommandContext } from './command-context.js';
import type { CommandArgs, CommandReply } from './command-request.js';
import type { WatchedService } from './ports.js';

/** Worst first, so an overview that has to be cut drops healthy services. */
const STATE_RANK: Readonly<Record<State, number>> = {
  down: 4,
  degraded: 3,
  maintenance: 2,
  unknown: 1,
  up: 0,
};

/** `/status`: every service, worst first; `/status <service>`: one with its evidence and chart. */
export function status(c: CommandContext, args: CommandArgs): CommandReply {
  const service = c.service('status', args.service, false);
  if (service.kind === 'reply') return service.reply;
  const timeZone = c.settings.timeZone;
  if (service.kind === 'all') {
    const lines = c.index.services
      .map((s, order) => ({ line: statusLine(c, s), order }))
      .sort((a, b) => STATE_RANK[b.line.state] - STATE_RANK[a.line.state] || a.order - b.order)
      .map((x) => x.line);
    return c.list(lines, (shown) => c.m.commands.statusOverview({ services: shown, timeZone }));
  }
  const state = c.deps.states.serviceState(service.id);
  const evidence = describeEvidence(state?.evidence ?? [], service.name, c.m).map(toPlainLine);
  const line = statusLine(c, service);
  const reply = c.list(evidence, (shown) =>
    c.m.commands.statusDetail({ service: line, evidence: shown, timeZone }),
  );
  return { ...reply, chartServiceId: service.id };
}

/** A service the engine does not know yet is `unknown` since now. */
function statusLine(c: CommandContext, s: Pick<WatchedService, 'id' | 'name'>): ServiceStatusLine {
  const state = c.deps.states.serviceState(s.id);
  return { name: s.name, state: state?.status ?? 'unknown', since: state?.since ?? c.now };
}

/** `/incidents [service]`: open ones first, then the latest, at most `limit`. */
export async function incidents(c: CommandContext, args: CommandArgs, limit: number): Promise<CommandReply> {
  const service = c.service('incidents', args.service, false);
  if (service.kind === 'reply') return service.reply;
  // With chat-added monitors, "all" means the services this community can see: never another's.
  const all = c.deps.monitors === undefined ? {} : { serviceIds: c.index.services.map((s) => s.id) };
  const rows = await c.deps.incidents.incidents({
    ...(service.kind === 'all' ? all : { serviceIds: [service.id] }),
    limit,
  });
  const summaries = rows.map((r) => ({
    serviceName: c.serviceName(r.serviceId),
    severity: r.severity,
    startedAt: r.startedAt,
    ...(r.resolvedAt === null ? {} : { durationMs: Math.max(0, r.resolvedAt - r.startedAt) }),
  }));
  const timeZone = c.settings.timeZone;
  return c.list(summaries, (shown) => c.m.commands.incidents({ incidents: shown, timeZone }));
}

/** `/services`: what is watched, in catalogue order. */
export function services(c: CommandContext): CommandReply {
  const list = c.index.services.map((s) => ({ id: s.id, name: s.name }));
  return c.list(list, (shown) => c.m.commands.services({ services: shown }));
}
