/**
 * Rendezvous (highest random weight) hashing: each key goes to the member with the highest
 * hash of (member, key). Every instance computes the same owner from the same member list, with
 * no table of assignments; when a member joins or leaves, only the keys it wins or held move
 * (about 1/n of them), so a change of membership moves as little detection as possible.
 */

/** 32-bit FNV-1a of a string's UTF-16 code units, then a murmur3 finaliser to spread close inputs. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The member that owns `key`: the highest weight; ties (vanishingly rare) go to the smaller name. */
export function rendezvousOwner(key: string, members: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestWeight = -1;
  for (const member of members) {
    const weight = hash32(`${member}\u0000${key}`);
    if (weight > bestWeight || (weight === bestWeight && best !== undefined && member < best)) {
      best = member;
      bestWeight = weight;
    }
  }
  return best;
}

/** The keys among `keys` that `member` owns when `members` are alive. */
export function keysOwnedBy(member: string, keys: readonly string[], members: readonly string[]): string[] {
  return keys.filter((key) => rendezvousOwner(key, members) === member);
}
