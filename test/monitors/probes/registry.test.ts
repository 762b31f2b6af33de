import { describe, expect, it } from 'vitest';
import { findProbe, PROBES } from '../../../src/monitors/registry.js';

describe('probe registry', () => {
  it('finds each probe by its type', () => {
    for (const type of ['http', 'tcp', 'dns', 'tls']) expect(findProbe(type)?.type).toBe(type);
  });

  it('has no unknown types and no duplicates', () => {
    expect(findProbe('gopher')).toBeUndefined();
    const types = PROBES.map((probe) => probe.type);
    expect(new Set(types).size).toBe(types.length);
  });
});
