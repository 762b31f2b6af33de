import type { CommandDefinition } from '../command-definition.js';
import type { CommandContext } from '../command-context.js';
import type { CommandReply } from '../command-request.js';

/** `/services`: what is watched, in catalogue order. */
function services(c: CommandContext): CommandReply {
  const list = c.index.services.map((s) => ({ id: s.id, name: s.name }));
  return c.list(list, (shown) => c.m.commands.services({ services: shown }));
}

export const servicesCommand: CommandDefinition = {
  name: 'services',
  who: 'anyone',
  surface: 'menu',
  description: 'The services being watched',
  help: ['services'],
  handle: services,
};
