import { describe, expect, it } from 'vitest';
import { createChatMonitorRuntime } from '../../src/chat-monitors/chat-monitor-runtime.js';
import { DEFAULT_CHAT_MONITOR_LIMITS } from '../../src/chat-monitors/chat-monitor-limits.js';
import type { ChatMonitor } from '../../src/chat-monitors/chat-monitor-store.js';
import { Scheduler } from '../../src/monitors/scheduler.js';
import { STRICT_ADDRESS_POLICY } from '../../src/monitors/ssrf/address-policy.js';

const monitor: ChatMonitor = {
  id: 7,
  ownerKey: 'telegram:-1001',
  platform: 'telegram',
  chatId: '-1001',
  name: 'game',
  kind: 'tcp',
  target: 'play.example.org:25565',
  intervalMs: 60_000,
  createdBy: 'u1',
  createdAt: 0,
};

describe('chat monitor runtime', () => {
  it('registers the service in the engine before scheduling, lists it, and removes both', () => {
    const calls: string[] = [];
    const scheduler = new Scheduler([], { onResult: () => {} }, { clock: { now: () => 0 } });
    const runtime = createChatMonitorRuntime({
      scheduler,
      engine: {
        addService: (service, monitors) =>
          calls.push(`add ${service.id} ${monitors.map((m) => m.id).join()}`),
        removeService: (id) => calls.push(`remove ${id}`),
      },
      limits: DEFAULT_CHAT_MONITOR_LIMITS,
      guard: { resolve: () => Promise.resolve([]), policy: STRICT_ADDRESS_POLICY },
    });
    runtime.register(monitor);
    expect(scheduler.hasMonitor('chat-7-0')).toBe(true);
    expect(runtime.registered().map((r) => [r.service.id, r.service.name, r.monitor.id])).toEqual([
      ['chat-7', 'game', 'chat-7-0'],
    ]);
    runtime.unregister(monitor);
    expect(scheduler.hasMonitor('chat-7-0')).toBe(false);
    expect(runtime.registered()).toEqual([]);
    expect(calls).toEqual(['add chat-7 chat-7-0', 'remove chat-7']);
  });
});
