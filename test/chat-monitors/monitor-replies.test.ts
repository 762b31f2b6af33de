import { describe, expect, it } from 'vitest';
import type { ChatMonitor } from '../../src/chat-monitors/chat-monitor-store.js';
import {
  renderAddResult,
  renderListing,
  renderRemoveResult,
} from '../../src/chat-monitors/monitor-replies.js';

const monitor: ChatMonitor = {
  id: 1,
  ownerKey: 'telegram:-1',
  platform: 'telegram',
  chatId: '-1',
  name: 'site',
  kind: 'http',
  target: 'https://site.example.org/',
  intervalMs: 60_000,
  createdBy: '42',
  createdAt: 0,
};

describe('monitor replies', () => {
  it('says why the metadata address is refused, in English and Bengali', () => {
    expect(renderAddResult('en', { kind: 'refused', reason: 'cloud-metadata' })).toBe(
      'This target cannot be added. This is a cloud metadata address, which is never watched.',
    );
    expect(renderAddResult('bn', { kind: 'refused', reason: 'cloud-metadata' })).toContain('মেটাডেটা');
  });

  it('confirms an added and a removed monitor', () => {
    expect(renderAddResult('en', { kind: 'added', monitor, serviceId: 'chat-1' })).toMatch(
      /^Added “site”: https:\/\/site\.example\.org\/, checked every /,
    );
    expect(renderRemoveResult('en', { kind: 'removed', monitor })).toBe('Removed “site”.');
    expect(renderRemoveResult('en', { kind: 'not-found', name: 'x' })).toBe(
      'There is no monitor called “x”.',
    );
  });

  it('lists monitors with the limit and the audit trail', () => {
    const text = renderListing(
      'en',
      {
        monitors: [monitor],
        limit: 20,
        audit: [{ monitorId: 1, name: 'site', target: monitor.target, action: 'add', actor: '42', at: 0 }],
      },
      'UTC',
    );
    expect(text.split('\n')[0]).toBe('Monitors (1/20):');
    expect(text).toContain('• site: https://site.example.org/');
    expect(text).toMatch(/42 added “site”$/);
  });
});
