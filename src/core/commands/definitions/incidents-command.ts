import type { CommandDefinition } from '../command-definition.js';
import type { CommandContext } from '../command-context.js';
import type { CommandArgs, CommandReply } from '../command-request.js';

/** `/incidents [service]`: open ones first, then the latest, at most `c.incidentLimit`. */
async function incidents(c: CommandContext, args: CommandArgs): Promise<CommandReply> {
  const service = c.service('incidents', args.service, false);
  if (service.kind === 'reply') return service.reply;
  // With chat-added monitors, "all" means the services this community can see: never another's.
  const all = c.deps.monitors === undefined ? {} : { serviceIds: c.index.services.map((s) => s.id) };
  const rows = await c.deps.incidents.incidents({
    ...(service.kind === 'all' ? all : { serviceIds: [service.id] }),
    limit: c.incidentLimit,
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

export const incidentsCommand: CommandDefinition = {
  name: 'incidents',
  who: 'anyone',
  surface: 'menu',
  description: 'Recent and ongoing incidents',
  args: [{ kind: 'service', name: 'service', text: 'serviceOptional' }],
  text: [{ arg: 'service', take: 'rest' }],
  help: ['incidents'],
  handle: incidents,
};
