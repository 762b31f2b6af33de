import type { ParsedEnv } from '../config/env.js';
import { discordModule } from './discord/index.js';
import type { AnyPlatformModule, ChatPlatform, PlatformContext, SettingsOf } from './platform.js';
import { telegramModule } from './telegram/index.js';
import { webhookModule } from './webhook/index.js';

/**
 * Every chat platform, in start order. Adding a platform is one folder (src/platforms/<name>/,
 * its module exported from index.ts) and one line here: its variables, settings, pacing and
 * capabilities come from the module (docs/design.md, "Adding a chat platform").
 */
export const PLATFORM_MODULES = [
  discordModule,
  telegramModule,
  webhookModule,
] as const satisfies readonly AnyPlatformModule[];

/** The name of a platform of the list. Stores and the core use plain strings (`PlatformName`). */
export type KnownPlatformName = (typeof PLATFORM_MODULES)[number]['name'];

/** The names of the listed platforms, for validating names read from files (demo scenarios). */
export const PLATFORM_NAMES: readonly KnownPlatformName[] = PLATFORM_MODULES.map((m) => m.name);

/** Each module's settings under its name: null (or absent) when the environment does not enable it. */
export type PlatformSettingsOf<M extends readonly AnyPlatformModule[]> = {
  readonly [K in M[number] as K['name']]?: SettingsOf<K> | null;
};

/** The settings of the listed platforms, as the app's config carries them. */
export type PlatformSettings = PlatformSettingsOf<typeof PLATFORM_MODULES>;

/** The module of a platform name, or undefined. */
export function findPlatformModule(
  name: string,
  modules: readonly AnyPlatformModule[] = PLATFORM_MODULES,
): AnyPlatformModule | undefined {
  return modules.find((m) => m.name === name);
}

/** Each module's settings from the validated environment (`readEnv` given the same modules). */
export function platformSettings<M extends readonly AnyPlatformModule[]>(
  parsed: ParsedEnv,
  modules: M,
): PlatformSettingsOf<M> {
  const out: Record<string, unknown> = {};
  for (const module of modules) out[module.name] = module.settings(parsed.valuesOf(module)) ?? null;
  return out as PlatformSettingsOf<M>;
}

/**
 * The secret values each enabled module finds in its settings (`secretValues`), beyond its secret
 * variables, which `readEnv` already collects.
 */
export function platformSecretValues(
  config: Readonly<Partial<Record<string, unknown>>>,
  modules: readonly AnyPlatformModule[],
): string[] {
  return modules.flatMap((module) => {
    const settings = config[module.name];
    if (settings === null || settings === undefined || module.secretValues === undefined) return [];
    return module.secretValues(settings).filter((v) => v.trim() !== '');
  });
}

/**
 * The chat platforms the config enables (settings not null), in the list's order. With none
 * enabled the list is empty and alerts go to the console only.
 *
 * A module imports its client library in `create`, so only an enabled platform's is loaded:
 * discord.js and telegraf together hold about 40 MB of resident memory, which a console-only bot
 * has no use for.
 */
export async function createPlatforms(
  config: PlatformSettings,
  ctx: PlatformContext,
): Promise<ChatPlatform[]>;
export async function createPlatforms<M extends readonly AnyPlatformModule[]>(
  config: PlatformSettingsOf<M>,
  ctx: PlatformContext,
  modules: M,
): Promise<ChatPlatform[]>;
export async function createPlatforms(
  config: Readonly<Partial<Record<string, unknown>>>,
  ctx: PlatformContext,
  modules: readonly AnyPlatformModule[] = PLATFORM_MODULES,
): Promise<ChatPlatform[]> {
  const platforms: ChatPlatform[] = [];
  for (const module of modules) {
    const settings = config[module.name];
    if (settings === null || settings === undefined) continue;
    platforms.push(await module.create(settings, ctx));
  }
  return platforms;
}
