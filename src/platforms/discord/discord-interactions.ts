import {
  type AutocompleteInteraction,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type Interaction,
  MessageFlags,
  type RepliableInteraction,
} from 'discord.js';
import { CHAT_SERVICE_PREFIX } from '../../core/catalog.js';
import { parseButtonCommand } from '../../core/commands/button-command.js';
import type { ArgSpec } from '../../core/commands/command-definition.js';
import type { CommandArgs, CommandReply, CommandRequest } from '../../core/commands/command-request.js';
import { COMMAND_ARG_NAMES, findCommand } from '../../core/commands/registry.js';
import type { ChatAddress, SubscriptionStore } from '../../core/delivery/ports.js';
import { LOCALES, messagesFor, pickLocale } from '../../core/i18n/index.js';
import type { RenderChartPng } from '../../charts/chart-png.js';
import type { Logger } from '../../logging.js';
import { renderReplyChart } from '../reply-chart.js';
import { renderDiscordText } from './discord-render.js';
import { MISSING_PERMISSIONS_REASON } from './discord-errors.js';
import { isChannelAdmin, missingPostPermissions } from './discord-permissions.js';
import { DISCORD_CAPABILITIES } from './discord-settings.js';
import type { ChatCapabilities } from '../platform.js';

/** What the adapter needs of the command layer (`CommandService`). */
export interface CommandPort {
  handle(request: CommandRequest): Promise<CommandReply>;
  /** With `scope`, the community's own (chat-added) services are offered too. */
  autocomplete(
    query: string,
    limit?: number,
    scope?: {
      readonly platform: string;
      readonly chatId: string;
      readonly guildId: string | null;
      readonly capabilities: ChatCapabilities;
    },
  ): readonly { readonly id: string; readonly name: string }[];
  /** `/watch`'s components: choices from the page at `url`, waiting at most `waitMs`; never rejects. */
  completeComponents?(
    url: string,
    typed: string,
    waitMs: number,
  ): Promise<readonly { readonly name: string; readonly value: string }[]>;
  serviceIds(): readonly string[];
}

/** Autocomplete answers at most this many choices (application-commands.mdx "Autocomplete"). */
export const MAX_AUTOCOMPLETE_CHOICES = 25;
/** Choice names are 1-100 characters. */
const MAX_CHOICE_NAME_CHARS = 100;
/**
 * Discord invalidates an interaction not answered within 3 s (receiving-and-responding.mdx);
 * a command still working after this long is deferred first and answered by editing the reply.
 */
export const DEFER_AFTER_MS = 1_500;
/**
 * How long `/watch`'s component autocomplete waits for a page not yet read: inside the 3-second
 * window with room for the answer; a slower page answers nothing and is offered at the next key.
 */
export const COMPONENT_AUTOCOMPLETE_WAIT_MS = 2_000;
const ALL = 'all';

export interface DiscordInteractionsDeps {
  /**
   * The command layer; null until the composition root provides one to platforms (PlatformContext
   * has no command service yet): commands are then answered with the internal-error text, privately.
   */
  readonly commands: CommandPort | null;
  readonly subscriptions: Pick<SubscriptionStore, 'getChat' | 'getSettings'>;
  readonly log: Logger;
  /** Injected so tests need not wait the real deferral delay. */
  readonly deferAfterMs?: number;
  /** Injected likewise; default {@link COMPONENT_AUTOCOMPLETE_WAIT_MS}. */
  readonly componentWaitMs?: number;
  /** The chart `/status <service>` attaches; absent, replies are text only. */
  readonly renderChartPng?: RenderChartPng;
}

/** Answers interactions; the platform only routes them here. */
export interface InteractionHandler {
  handle(interaction: Interaction): Promise<void>;
}

/**
 * Maps interactions to command requests and the command layer's replies back to Discord, and
 * nothing more: the commands themselves live in src/core/commands. What is Discord's alone is
 * handled here: option values, the member's and the bot's permissions in the channel, ephemeral
 * replies, autocomplete, alert buttons, and answering within the 3-second window.
 */
export class DiscordInteractions implements InteractionHandler {
  private readonly deferAfterMs: number;

  constructor(private readonly deps: DiscordInteractionsDeps) {
    this.deferAfterMs = deps.deferAfterMs ?? DEFER_AFTER_MS;
  }

  async handle(interaction: Interaction): Promise<void> {
    if (this.deps.commands === null) return this.unavailable(interaction);
    if (interaction.isAutocomplete()) return this.autocomplete(interaction);
    if (interaction.isChatInputCommand()) return this.command(interaction);
    if (interaction.isButton()) return this.button(interaction);
  }

  private async autocomplete(interaction: AutocompleteInteraction): Promise<void> {
    const focused = interaction.options.getFocused(true);
    const query = String(focused.value).trim();
    const scope = {
      platform: 'discord' as const,
      chatId: interaction.channelId ?? '',
      guildId: interaction.guildId,
      capabilities: DISCORD_CAPABILITIES,
    };
    const spec = focusedSpec(interaction.commandName, interaction.options.getSubcommand(false), focused.name);
    if (spec?.kind === 'string' && spec.autocomplete === 'monitor') {
      await interaction.respond(this.monitorChoices(query, scope));
      return;
    }
    if (spec?.kind === 'string' && spec.autocomplete === 'component') {
      await interaction.respond(await this.componentChoices(interaction, String(focused.value)));
      return;
    }
    const services = this.commands.autocomplete(query, MAX_AUTOCOMPLETE_CHOICES, scope);
    const offerAll = spec?.kind === 'service' && spec.all === true && ALL.startsWith(query.toLowerCase());
    const choices = [
      ...(offerAll ? [{ name: ALL, value: ALL }] : []),
      ...services.map((s) => ({ name: choiceName(s.name, s.id), value: s.id })),
    ].slice(0, MAX_AUTOCOMPLETE_CHOICES);
    await interaction.respond(choices);
  }

  /**
   * `/monitor remove`'s name: the community's own monitors (chat services) matching what was
   * typed, offered by the name they were added with, which is what the command takes.
   */
  private monitorChoices(
    query: string,
    scope: Parameters<CommandPort['autocomplete']>[2],
  ): { name: string; value: string }[] {
    return this.commands
      .autocomplete(query, MAX_AUTOCOMPLETE_CHOICES, scope)
      .filter((s) => s.id.startsWith(CHAT_SERVICE_PREFIX))
      .map((s) => ({ name: choiceName(s.name, s.name), value: s.name }));
  }

  /**
   * `/watch`'s components: the names on the page typed in the `url` option. In a server, admins
   * only (only they can add it; nobody else makes the bot read a page); nothing for a page not
   * read in time.
   */
  private async componentChoices(
    interaction: AutocompleteInteraction,
    typed: string,
  ): Promise<{ name: string; value: string }[]> {
    if (interaction.guildId !== null && !isChannelAdmin(interaction.memberPermissions)) return [];
    const url = interaction.options.getString('url') ?? '';
    try {
      const choices = await this.commands.completeComponents?.(
        url,
        typed,
        this.deps.componentWaitMs ?? COMPONENT_AUTOCOMPLETE_WAIT_MS,
      );
      return (choices ?? [])
        .slice(0, MAX_AUTOCOMPLETE_CHOICES)
        .map((c) => ({ name: c.name, value: c.value }));
    } catch {
      return [];
    }
  }

  private async command(interaction: ChatInputCommandInteraction): Promise<void> {
    const request = this.request(interaction, interaction.commandName, argsOf(interaction));
    const missing = missingPostPermissions(interaction.appPermissions);
    const admin = isChannelAdmin(interaction.memberPermissions);
    // Before a subscription is stored, the bot must be able to post here. Admins only: a member is
    // refused by the command layer and learns nothing about the bot's permissions.
    if (findCommand(interaction.commandName)?.postsAlertsHere === true && admin && missing.length > 0) {
      await interaction.reply(await this.missingPermissionsReply(interaction, missing));
      return;
    }
    await this.answer(interaction, request);
    // An earlier alert failed with Missing Permissions and deactivated this channel: tell its admins.
    if (admin && missing.length > 0 && (await this.lostPermissions(request.chat)))
      await interaction.followUp(await this.missingPermissionsReply(interaction, missing));
  }

  private async button(interaction: ButtonInteraction): Promise<void> {
    const action = parseButtonCommand(interaction.customId, this.commands.serviceIds());
    if (action === null) return; // not one of ours, or a service no longer watched
    const request = this.request(interaction, action.command, action.args);
    await this.answer(interaction, request);
  }

  /** Runs the command; answers at once when it is quick, otherwise defers and edits the answer in. */
  private async answer(interaction: RepliableInteraction, request: CommandRequest): Promise<void> {
    const pending = this.commands.handle(request);
    let timer: NodeJS.Timeout | undefined;
    const slow = new Promise<'slow'>(
      (resolve) => (timer = setTimeout(() => resolve('slow'), this.deferAfterMs)),
    );
    const first = await Promise.race([pending, slow]);
    clearTimeout(timer);
    if (first !== 'slow') {
      this.logError(request, first);
      await this.replyWithChart(interaction, request, first);
      return;
    }
    // Most replies are public; a crowd report is acknowledged privately (`defersPrivately`).
    const deferredEphemeral = findCommand(request.command)?.defersPrivately === true;
    await interaction.deferReply(deferredEphemeral ? { flags: MessageFlags.Ephemeral } : {});
    const reply = await pending;
    this.logError(request, reply);
    const files = await this.chartFiles(request, reply);
    const attached = files.length > 0 ? { files } : {};
    if (reply.ephemeral === deferredEphemeral) {
      const { content, allowedMentions } = replyOptions(reply.text, false);
      await interaction.editReply({ content, allowedMentions, ...attached });
    } else {
      // Visibility is fixed when deferring: replace the placeholder with a message of the right kind.
      await interaction.deleteReply();
      await interaction.followUp({ ...message(reply), ...attached });
    }
  }

  /**
   * The reply with its chart attached. Should Discord refuse the upload, the interaction is still
   * unanswered, so the text goes out alone: the chart is extra, the answer is not.
   */
  private async replyWithChart(
    interaction: RepliableInteraction,
    request: CommandRequest,
    reply: CommandReply,
  ): Promise<void> {
    const files = await this.chartFiles(request, reply);
    if (files.length === 0) {
      await interaction.reply(message(reply));
      return;
    }
    try {
      await interaction.reply({ ...message(reply), files });
    } catch (err) {
      if (interaction.replied || interaction.deferred) throw err;
      this.deps.log.warn(
        { err, interactionId: interaction.id },
        'discord chart upload refused; replying without it',
      );
      await interaction.reply(message(reply));
    }
  }

  /** The reply's chart as a discord.js file (none when there is no chart or rendering failed). */
  private async chartFiles(
    request: CommandRequest,
    reply: CommandReply,
  ): Promise<{ attachment: Buffer; name: string }[]> {
    const render = this.deps.renderChartPng;
    if (render === undefined) return [];
    const deps = { renderChartPng: render, subscriptions: this.deps.subscriptions, log: this.deps.log };
    const chart = await renderReplyChart(deps, reply, request.chat, request.localeHint);
    return chart === null ? [] : [{ attachment: chart.png, name: chart.filename }];
  }

  private get commands(): CommandPort {
    if (this.deps.commands === null) throw new Error('no command service');
    return this.deps.commands;
  }

  private async unavailable(interaction: Interaction): Promise<void> {
    this.deps.log.error({ interactionId: interaction.id }, 'discord interaction: no command service wired');
    if (interaction.isAutocomplete()) await interaction.respond([]);
    else if (interaction.isRepliable()) {
      const m = messagesFor(pickLocale(interaction.locale, LOCALES[0]));
      await interaction.reply(replyOptions(m.commands.internalError(), true));
    }
  }

  private request(interaction: RepliableInteraction, command: string, args: CommandArgs): CommandRequest {
    return {
      command,
      args,
      chat: {
        platform: 'discord',
        chatId: interaction.channelId ?? '',
        guildId: interaction.guildId,
        kind: interaction.inGuild() ? 'group' : 'private',
        capabilities: DISCORD_CAPABILITIES,
      },
      user: {
        id: interaction.user.id,
        isAdmin: async () => isChannelAdmin(interaction.memberPermissions),
        displayName: interaction.user.globalName ?? interaction.user.username,
      },
      localeHint: interaction.locale,
    };
  }

  private async lostPermissions(chat: ChatAddress): Promise<boolean> {
    const record = await this.deps.subscriptions.getChat(chat);
    return record !== null && !record.active && record.deactivatedReason === MISSING_PERMISSIONS_REASON;
  }

  private async missingPermissionsReply(interaction: RepliableInteraction, permissions: readonly string[]) {
    const chat = { platform: 'discord' as const, chatId: interaction.channelId ?? '' };
    const known = (await this.deps.subscriptions.getChat(chat)) !== null;
    const settings = await this.deps.subscriptions.getSettings(chat);
    const locale = known ? settings.locale : pickLocale(interaction.locale, LOCALES[0]);
    const channel =
      interaction.channel !== null && 'name' in interaction.channel ? interaction.channel.name : '';
    const text = messagesFor(locale).commands.missingPermissions({
      channel: channel === '' ? (interaction.channelId ?? '') : `#${channel}`,
      permissions,
    });
    return replyOptions(text, true);
  }

  private logError(request: CommandRequest, reply: CommandReply): void {
    if (reply.error !== undefined)
      this.deps.log.error(
        { err: reply.error, command: request.command, chatId: request.chat.chatId },
        'discord command failed',
      );
  }
}

/**
 * The options the command layer knows, as strings (a role option gives the role id). A
 * sub-command (`/monitor add`) is the `action` argument; discord.js hoists its options, so they
 * are read by name like top-level ones.
 */
function argsOf(interaction: ChatInputCommandInteraction): CommandArgs {
  const args: Record<string, string> = {};
  const subcommand = interaction.options.getSubcommand(false);
  if (subcommand !== null) args.action = subcommand;
  for (const name of COMMAND_ARG_NAMES) {
    const option = interaction.options.get(name);
    if (option?.value !== undefined && option.value !== null) args[name] = String(option.value);
  }
  return args;
}

/**
 * The argument being typed into: the registered command's option of that name, in the sub-command
 * chosen when the command has them; undefined for a command or option the registry does not know.
 */
function focusedSpec(command: string, subcommand: string | null, option: string): ArgSpec | undefined {
  const definition = findCommand(command);
  const sub = definition?.subcommands?.find((s) => s.name === subcommand);
  return [...(definition?.args ?? []), ...(sub?.args ?? [])].find((a) => a.name === option);
}

/**
 * Reply options for discord.js: the text escaped by the renderer, no mention allowed (discord.js
 * takes `allowedMentions`, not the API's `allowed_mentions`), ephemeral when only for the caller.
 */
function replyOptions(text: string, ephemeral: boolean) {
  const { content } = renderDiscordText(text);
  return {
    content,
    allowedMentions: { parse: [] },
    ...(ephemeral ? { flags: MessageFlags.Ephemeral as const } : {}),
  };
}

const message = (reply: CommandReply) => replyOptions(reply.text, reply.ephemeral);

function choiceName(name: string, id: string): string {
  const label = name === id ? name : `${name} (${id})`;
  return label.length <= MAX_CHOICE_NAME_CHARS ? label : `${label.slice(0, MAX_CHOICE_NAME_CHARS - 1)}…`;
}
