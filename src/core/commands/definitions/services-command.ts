import type { CommandDefinition } from '../command-definition.js';
import type { CommandContext } from '../command-context.js';
import { echo } from '../command-context.js';
import type { CommandArgs, CommandReply } from '../command-request.js';

/** Search text is cut to this; longer cannot be part of a service's name, id or alias. */
export const MAX_SERVICES_SEARCH_CHARS = 100;

/**
 * `/services`: what is watched, in catalogue order. `/services <text>`: the services whose name,
 * id or alias contains the text (`ServiceIndex.search`: ignoring case, accents and spacing; close
 * spellings when nothing contains it), best first, or a reply that none does.
 */
function services(c: CommandContext, args: CommandArgs): CommandReply {
  const given = args.search?.trim() ?? '';
  if (given === '') {
    const list = c.index.services.map((s) => ({ id: s.id, name: s.name }));
    return c.list(list, (shown) => c.m.commands.services({ services: shown }));
  }
  const found = c.index.search(given).map((s) => ({ id: s.id, name: s.name }));
  return c.list(found, (shown) => c.m.commands.servicesMatching({ given: echo(given), services: shown }));
}

export const servicesCommand: CommandDefinition = {
  name: 'services',
  who: 'anyone',
  surface: 'menu',
  description: 'The services being watched',
  args: [{ kind: 'string', name: 'search', text: 'servicesSearch', maxLength: MAX_SERVICES_SEARCH_CHARS }],
  text: [{ arg: 'search', take: 'rest' }],
  help: ['services'],
  handle: services,
};
