/**
 * Entry point: reads configuration, starts the app, stops it cleanly on SIGINT/SIGTERM (also when
 * the signal comes while it starts).
 * A bad configuration prints every problem and exits 1, without a stack trace.
 */
import { type RunningApp, startApp } from './app.js';
import { loadAppConfig } from './app-config.js';
import { loadDotEnv } from './config/env.js';
import { ConfigError } from './config/problems.js';
import { loadServicesFile } from './config/services-file.js';
import { createLogger } from './logging.js';

const systemClock = { now: () => Date.now() };

async function main(): Promise<void> {
  let config;
  let services;
  try {
    loadDotEnv();
    config = loadAppConfig();
    services = loadServicesFile(config.servicesFile);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(
      `Configuration error in ${err.source}:\n${err.problems.map((p) => `  - ${p}`).join('\n')}\n`,
    );
    process.exit(1);
  }
  const log = createLogger(config.logLevel, config.secrets);
  process.on('uncaughtException', (err) => {
    log.fatal({ err }, 'uncaught exception');
    process.exit(1);
  });
  // The signal handlers come before the start: the start-up line is printed just before startApp
  // returns, and a SIGTERM sent on seeing it would otherwise find no handler and kill the process.
  // A signal during the start stops the app once it is up; a second one exits at once.
  const started: { app?: RunningApp } = {};
  let stopping = false;
  const shutDown = (running: RunningApp): void => {
    running.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'stop failed');
        process.exit(1);
      },
    );
  };
  const stop = (signal: string): void => {
    if (stopping) {
      if (started.app === undefined) process.exit(1);
      return;
    }
    stopping = true;
    log.info({ signal }, 'stopping');
    if (started.app !== undefined) shutDown(started.app);
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  started.app = await startApp(config, services, { clock: systemClock, log });
  if (stopping) shutDown(started.app);
}

main().catch((err: unknown) => {
  process.stderr.write(`incident-bot could not start: ${(err as Error).message}\n`);
  process.exit(1);
});
