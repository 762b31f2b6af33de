/**
 * The app's configuration: the general variables (src/config/env.ts), every listed chat
 * platform's (src/platforms/registry.ts) and the chat monitors' (src/chat-monitors/), validated in
 * one pass so every problem is listed together. Here, beside the composition root, so that the
 * config layer imports none of the parts whose variables it reads.
 */
import {
  type ChatMonitorSettings,
  chatMonitorEnv,
  chatMonitorSettings,
} from './chat-monitors/chat-monitor-env.js';
import { type ClusterSettings, clusterEnv, clusterSettings } from './cluster/cluster-env.js';
import { type GeneralConfig, type RawEnv, readEnv } from './config/env.js';
import type { AnyPlatformModule } from './platforms/platform.js';
import {
  PLATFORM_MODULES,
  type PlatformSettingsOf,
  platformSecretValues,
  platformSettings,
} from './platforms/registry.js';

/**
 * The general settings, each platform's settings under its name (`telegram`, `discord`, …; null
 * when the environment does not enable it), the chat monitors' limits and every secret.
 */
export type AppConfigOf<M extends readonly AnyPlatformModule[]> = GeneralConfig &
  PlatformSettingsOf<M> & {
    /** Limits and allowed private ranges for monitors added from chat (absent: the defaults). */
    readonly chatMonitors?: ChatMonitorSettings;
    /** This instance's name, vantage point and lease period (several instances: docs/cluster.md). */
    readonly cluster?: ClusterSettings;
    /** Every secret value, so loggers and error reporters can redact them wherever they appear. */
    readonly secrets: readonly string[];
  };

export type AppConfig = AppConfigOf<typeof PLATFORM_MODULES>;

/**
 * Reads and validates the environment (`process.env` when not given). Throws `ConfigError` listing
 * every problem. `modules` is the platform list (tests pass their own); a list naming a platform
 * twice, or like another config field, is a programming error (a plain Error).
 */
export function loadAppConfig(env?: RawEnv): AppConfig;
export function loadAppConfig<M extends readonly AnyPlatformModule[]>(
  env: RawEnv | undefined,
  modules: M,
): AppConfigOf<M>;
export function loadAppConfig(
  env?: RawEnv,
  modules: readonly AnyPlatformModule[] = PLATFORM_MODULES,
): AppConfigOf<readonly AnyPlatformModule[]> {
  const parsed = readEnv([...modules, chatMonitorEnv, clusterEnv], env);
  // Platform settings sit beside the other fields, under the platform's name.
  const taken = new Set([...Object.keys(parsed.general), 'chatMonitors', 'cluster', 'secrets']);
  for (const module of modules) {
    if (taken.has(module.name)) throw new Error(`platform name "${module.name}" is taken in the config`);
    taken.add(module.name);
  }
  const platforms = platformSettings(parsed, modules);
  return {
    ...parsed.general,
    ...platforms,
    chatMonitors: chatMonitorSettings(parsed.valuesOf(chatMonitorEnv)),
    cluster: clusterSettings(parsed.valuesOf(clusterEnv)),
    // The secret variables, then what the modules found in their settings (e.g. a webhooks file).
    secrets: [...new Set([...parsed.secrets, ...platformSecretValues(platforms, modules)])],
  };
}
