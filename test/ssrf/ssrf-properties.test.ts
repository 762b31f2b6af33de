import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { STRICT_ADDRESS_POLICY } from '../../src/monitors/ssrf/address-policy.js';
import { vetTarget } from '../../src/monitors/ssrf/ssrf-guard.js';
import { parseTarget } from '../../src/monitors/ssrf/target-parser.js';

/** Fuzz sizes, reported in the README's security section. */
export const PARSER_RUNS = 20_000;
export const FORBIDDEN_RUNS = 5_000;

/** Forbidden IPv4 ranges (RFC 6890 special-purpose and the cloud metadata /16). */
const FORBIDDEN_V4 = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.0.2.0/24',
  '192.168.0.0/16',
  '198.18.0.0/15',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '224.0.0.0/4',
  '240.0.0.0/4',
];

const forbiddenV4 = fc
  .tuple(fc.constantFrom(...FORBIDDEN_V4), fc.integer({ min: 0, max: 0xffffffff }))
  .map(([cidr, random]) => {
    const [base, bits] = ipaddr.IPv4.parseCIDR(cidr);
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    const start = ipaddr.IPv4.parse(base.toString())
      .toByteArray()
      .reduce((n, b) => n * 256 + b, 0);
    return ((start & mask) | (random & ~mask)) >>> 0;
  });

const toDotted = (n: number) => [24, 16, 8, 0].map((s) => (n >>> s) & 0xff).join('.');

/** The same address written the ways a URL parser accepts. */
const encodings: ReadonlyArray<(n: number) => string> = [
  toDotted,
  (n) => String(n),
  (n) => `0x${n.toString(16)}`,
  (n) => [24, 16, 8, 0].map((s) => `0${((n >>> s) & 0xff).toString(8)}`).join('.'),
  (n) => `[::ffff:${toDotted(n)}]`,
  (n) => `[64:ff9b::${toDotted(n)}]`,
];

const signal = () => AbortSignal.timeout(5_000);

describe('SSRF guard properties', () => {
  it('parses any string without throwing', () => {
    const hostile = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.webUrl({ withQueryParameters: true, withFragments: true }),
      fc
        .tuple(fc.constantFrom('http://', 'https://', 'ftp://', '', '['), fc.string({ maxLength: 80 }))
        .map(([a, b]) => a + b),
      fc.string({ minLength: 1, maxLength: 5 }).map((unit) => `http://${unit.repeat(10_000)}`),
    );
    fc.assert(
      fc.property(hostile, (input) => {
        const result = parseTarget(input);
        expect(typeof result.ok).toBe('boolean');
      }),
      { numRuns: PARSER_RUNS, seed: 7 },
    );
  }, 120_000);

  it('refuses any URL or host:port whose address is in a forbidden range, however written', async () => {
    await fc.assert(
      fc.asyncProperty(forbiddenV4, fc.constantFrom(...encodings), fc.boolean(), async (n, encode, tcp) => {
        const host = encode(n);
        const target = tcp ? `${host}:443` : `http://${host}/`;
        const verdict = await vetTarget(
          target,
          { resolve: () => Promise.resolve([]), policy: STRICT_ADDRESS_POLICY },
          signal(),
        );
        expect(verdict.ok).toBe(false);
      }),
      { numRuns: FORBIDDEN_RUNS, seed: 7 },
    );
  }, 120_000);

  it('refuses any name that resolves to a forbidden address, even among public ones', async () => {
    await fc.assert(
      fc.asyncProperty(forbiddenV4, fc.boolean(), async (n, withPublic) => {
        const answers = withPublic ? ['93.184.216.34', toDotted(n)] : [toDotted(n)];
        const deps = { resolve: () => Promise.resolve(answers), policy: STRICT_ADDRESS_POLICY };
        const verdict = await vetTarget('https://service.example.org/', deps, signal());
        expect(verdict.ok).toBe(false);
      }),
      { numRuns: FORBIDDEN_RUNS, seed: 7 },
    );
  }, 120_000);
});
