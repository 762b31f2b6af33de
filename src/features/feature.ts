/**
 * A part of the running app with its own start and stop. The composition root (`src/app.ts`) builds
 * the features, starts them in order and stops them in the reverse order.
 */
export interface Feature {
  start(): void | Promise<void>;
  stop(): void | Promise<void>;
}

/**
 * Starts the features in order. If one fails to start, those already started are stopped (last
 * first) and the error is thrown; a feature that fails cleans up after itself.
 */
export async function startInOrder(features: readonly Feature[]): Promise<void> {
  const started: Feature[] = [];
  try {
    for (const feature of features) {
      await feature.start();
      started.push(feature);
    }
  } catch (err) {
    await stopInReverse(started);
    throw err;
  }
}

/**
 * Stops the features last first, each after the one started after it has stopped. A stop that
 * throws does not keep the others from stopping (storage, stopped last, still writes what it holds
 * and closes the database); the first error is thrown once all have stopped.
 */
export async function stopInReverse(features: readonly Feature[]): Promise<void> {
  const errors: unknown[] = [];
  for (const feature of [...features].reverse()) {
    try {
      await feature.stop();
    } catch (err) {
      errors.push(err);
    }
  }
  if (errors.length > 0) throw errors[0];
}
