import { describe, expect, it } from 'vitest';
import { keysOwnedBy, rendezvousOwner } from '../../../src/core/cluster/rendezvous.js';

const keys = Array.from({ length: 3000 }, (_, i) => `service-${i}`);

describe('rendezvous hashing', () => {
  it('gives every key exactly one owner, the same whatever the order of the member list', () => {
    const members = ['eu-1', 'us-1', 'ap-1'];
    const owned = members.map((m) => keysOwnedBy(m, keys, members));
    expect(owned.flat().sort()).toEqual([...keys].sort());
    for (const key of keys.slice(0, 100))
      expect(rendezvousOwner(key, [...members].reverse())).toBe(rendezvousOwner(key, members));
  });

  it('spreads keys evenly: each of three members owns between 28% and 38%', () => {
    const members = ['a', 'b', 'c'];
    for (const m of members) {
      const share = keysOwnedBy(m, keys, members).length / keys.length;
      expect(share).toBeGreaterThan(0.28);
      expect(share).toBeLessThan(0.38);
    }
  });

  it('moves only the keys of a member that leaves, and only keys won by one that joins', () => {
    const three = ['a', 'b', 'c'];
    const two = ['a', 'b'];
    for (const key of keys) {
      const before = rendezvousOwner(key, three);
      const after = rendezvousOwner(key, two);
      if (before !== 'c') expect(after).toBe(before);
      else expect(['a', 'b']).toContain(after);
    }
    const four = ['a', 'b', 'c', 'd'];
    for (const key of keys) {
      const after = rendezvousOwner(key, four);
      if (after !== 'd') expect(after).toBe(rendezvousOwner(key, three));
    }
  });

  it('has no owner without members', () => {
    expect(rendezvousOwner('x', [])).toBeUndefined();
    expect(keysOwnedBy('a', keys, [])).toEqual([]);
  });
});
