import type { Client, Interaction } from 'discord.js';
import type { PlatformContext } from '../platform.js';
import type { InteractionHandler } from './discord-platform.js';

/** Maps interactions to the command layer and its replies back (filled in with src/core/commands). */
export class DiscordInteractions implements InteractionHandler {
  constructor(
    private readonly client: Client,
    private readonly ctx: PlatformContext,
  ) {}

  async handle(interaction: Interaction): Promise<void> {
    void this.client;
    this.ctx.log.debug({ interactionId: interaction.id }, 'discord interaction');
  }
}
