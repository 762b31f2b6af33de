import type { Messages } from '../i18n/index.js';
import type { CommandContext, CommandServiceDeps } from './command-context.js';
import type { ChatCapabilities, CommandArgs, CommandReply } from './command-request.js';

/**
 * One chat command as data: what both platforms build their menus, Discord's slash-command JSON,
 * the argument mapping and the admin check from, plus the handler that answers it. Each command is
 * one file in `definitions/` and one line in `COMMANDS` (registry.ts); docs/ARCHITECTURE.md, "A chat
 * command", says what else a new one needs (its texts in every catalogue).
 *
 * Texts are named by key: `m.commandMenu[name]` is the command's menu line (Telegram's menu,
 * Discord's localised description), `m.commandOptions[text]` an argument's or sub-command's
 * description, `m.commandHelp[key]` a line of `/help`. test/core/commands/command-registry.test.ts
 * fails when a registered command lacks one of them in a shipped language.
 */
export interface CommandDefinition {
  /**
   * The command without its slash: 1-32 of `a-z`, `0-9`, `_`, `-` (what Telegram and Discord both
   * accept as a name; a button action has a `-button` name no user can type).
   */
  readonly name: string;
  /** Who may run it outside a private chat: anyone, or the chat's admins (`user.isAdmin()`). */
  readonly who: 'anyone' | 'admins';
  /**
   * Where it is offered: `menu` (Telegram's menu, a Discord slash command, `/help`) or `button`
   * (only an alert button runs it; no menu lists it).
   */
  readonly surface: 'menu' | 'button';
  /**
   * Listed in menus only on platforms with this capability (`/start` exists on Telegram alone). The
   * command itself still answers wherever it is sent.
   */
  readonly onlyWith?: keyof ChatCapabilities;
  /** Put first in Telegram's menu, where a new member looks for `/start` and `/help`. */
  readonly menuFirst?: true;
  /**
   * The English description Discord shows beside the slash command (and to every Discord locale the
   * catalogues do not speak); the localised ones are `commandMenu[name]`. 1-100 characters.
   */
  readonly description: string;
  /**
   * Named arguments, in Discord's option order. A command with `subcommands` has none of its own;
   * a button's one argument, the service, comes from its payload (`parseButtonCommand`).
   */
  readonly args?: readonly ArgSpec[];
  /** Sub-commands (`/monitor add`): the chosen one is the `action` argument. */
  readonly subcommands?: readonly SubcommandSpec[];
  /**
   * How Telegram's words after the command become named arguments: positions (see {@link Position}),
   * or a parser of the command's own for forms that are not positional (`/settings language bn`).
   * Absent: the command takes no words.
   */
  readonly text?: readonly Position[] | ((tokens: readonly string[]) => CommandArgs);
  /** Keys of `commandHelp`: the `/help` lines of this command, in order. */
  readonly help?: readonly string[];
  /**
   * Mostly answered privately (a crowd report's receipt, a button's answer): a platform that must
   * choose the visibility before the answer is ready (Discord's deferred reply) makes it private,
   * and replaces it when the answer is for the whole chat after all.
   */
  readonly defersPrivately?: true;
  /** Stores something alerts will later be posted for: the adapter first checks the bot may post here. */
  readonly postsAlertsHere?: true;
  /**
   * For `who: 'admins'`: when this says the command will only explain that it is off, nobody's
   * admin status is asked for (asking costs the platform a request).
   */
  readonly answersWithoutAdmin?: (deps: CommandServiceDeps) => boolean;
  /** Answers the command; the caller's rights are already checked. */
  handle(c: CommandContext, args: CommandArgs): CommandReply | Promise<CommandReply>;
}

/**
 * An argument. `name` is the key in `CommandArgs` and Discord's option name (1-32 of `a-z`, `0-9`,
 * `_`, `-`); `text` names its description in `commandOptions`.
 */
export type ArgSpec =
  /** A watched service, offered by autocomplete; `all` adds `all` to the offers. */
  | {
      readonly kind: 'service';
      readonly name: string;
      readonly text: string;
      readonly required?: true;
      readonly all?: true;
    }
  /**
   * Free text up to `maxLength`; `autocomplete: 'monitor'` offers the community's own monitors,
   * `'component'` the components of the page in the same command's `url` option.
   */
  | {
      readonly kind: 'string';
      readonly name: string;
      readonly text: string;
      readonly required?: true;
      readonly maxLength?: number;
      readonly autocomplete?: 'monitor' | 'component';
    }
  /** A duration such as `5m` or `1h30m` (`parseDuration`), as text up to `maxLength`. */
  | {
      readonly kind: 'duration';
      readonly name: string;
      readonly text: string;
      readonly required?: true;
      readonly maxLength: number;
    }
  /** One of fixed values. */
  | {
      readonly kind: 'choice';
      readonly name: string;
      readonly text: string;
      readonly required?: true;
      readonly choices: readonly ChoiceSpec[];
    }
  /** A role of the chat to mention (platforms with the `mentionRole` capability); its id. */
  | { readonly kind: 'role'; readonly name: string; readonly text: string; readonly required?: true };

/**
 * A fixed value and what it is called: a text of `commandOptions` (`text`), another text of the
 * catalogues (`label`), both localised where the platform can, or one name for every language
 * (`name`: a language's own name).
 */
export type ChoiceSpec =
  | { readonly value: string; readonly text: string }
  | { readonly value: string; readonly label: (m: Messages) => string }
  | { readonly value: string; readonly name: string };

export interface SubcommandSpec {
  /** The `action` argument's value and Discord's sub-command name. */
  readonly name: string;
  readonly text: string;
  readonly args?: readonly ArgSpec[];
}

/**
 * Where an argument stands in Telegram's words: `one` takes one word, `rest` all words left (after
 * those later positions claim from the end), `last` the final word when `when` accepts it and a word
 * is left for the positions before (`/subscribe google cloud major`: `major` is the severity).
 */
export interface Position {
  readonly arg: string;
  readonly take: 'one' | 'rest' | 'last';
  readonly when?: (token: string) => boolean;
}

/** The argument named by the sub-command a command with `subcommands` was given. */
export const SUBCOMMAND_ARG = 'action';
