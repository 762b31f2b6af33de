import { describe, expect, it } from 'vitest';
import { type Feature, startInOrder, stopInReverse } from '../../src/features/feature.js';

/** A feature that writes what happens to it into `events`, and fails to start when told to. */
function feature(name: string, events: string[], fails = false): Feature {
  return {
    async start() {
      await Promise.resolve();
      if (fails) {
        events.push(`${name} failed`);
        throw new Error(`${name} could not start`);
      }
      events.push(`${name} started`);
    },
    stop() {
      events.push(`${name} stopped`);
    },
  };
}

describe('the features of the app', () => {
  it('start in order and stop in the reverse order', async () => {
    const events: string[] = [];
    const features = ['storage', 'web', 'delivery'].map((name) => feature(name, events));
    await startInOrder(features);
    await stopInReverse(features);
    expect(events).toEqual([
      'storage started',
      'web started',
      'delivery started',
      'delivery stopped',
      'web stopped',
      'storage stopped',
    ]);
  });

  it('when one fails to start, stop those already started, last first, and throw its error; the rest never start', async () => {
    const events: string[] = [];
    const features = [
      feature('storage', events),
      feature('web', events),
      feature('delivery', events, true),
      feature('checks', events),
    ];
    await expect(startInOrder(features)).rejects.toThrow('delivery could not start');
    expect(events).toEqual([
      'storage started',
      'web started',
      'delivery failed',
      'web stopped',
      'storage stopped',
    ]);
  });

  it('when a stop throws, stop the rest all the same and throw the first error after', async () => {
    const events: string[] = [];
    const failingStop = (name: string, message: string): Feature => ({
      start: () => undefined,
      stop() {
        events.push(`${name} stop failed`);
        throw new Error(message);
      },
    });
    const features = [
      feature('storage', events),
      failingStop('web', 'web would not close'),
      failingStop('delivery', 'delivery would not stop'),
    ];
    await startInOrder(features);
    await expect(stopInReverse(features)).rejects.toThrow('delivery would not stop');
    expect(events).toEqual(['storage started', 'delivery stop failed', 'web stop failed', 'storage stopped']);
  });
});
