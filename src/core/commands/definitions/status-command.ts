import { describeEvidence } from '../../alert-message.js';
import { toPlainLine } from '../../i18n/text-fit.js';
import type { ServiceStatusLine } from '../../i18n/index.js';
import type { State } from '../../model.js';
import type { CommandDefinition } from '../command-definition.js';
import type { CommandContext } from '../command-context.js';
import type { CommandArgs, CommandReply } from '../command-request.js';
import type { WatchedService } from '../ports.js';

/** Worst first, so an overview that has to be cut drops healthy services. */
const STATE_RANK: Readonly<Record<State, number>> = {
  down: 4,
  degraded: 3,
  maintenance: 2,
  unknown: 1,
  up: 0,
};

/** `/status`: every service, worst first; `/status <service>`: one with its evidence and chart. */
function status(c: CommandContext, args: CommandArgs): CommandReply {
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

export const statusCommand: CommandDefinition = {
  name: 'status',
  who: 'anyone',
  surface: 'menu',
  description: 'One service in detail, or an overview of all',
  args: [{ kind: 'service', name: 'service', text: 'serviceOptional' }],
  text: [{ arg: 'service', take: 'rest' }],
  help: ['status'],
  handle: status,
};
