import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BodyCollector,
  bodyBuffer,
  bodyByteLength,
  transferableMemory,
} from '../../src/sources/body-blocks.js';

describe('BodyCollector', () => {
  it('keeps every byte in order, whatever the chunk sizes', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 70_000 }), { maxLength: 40 }), (chunks) => {
        const collector = new BodyCollector();
        for (const chunk of chunks) collector.push(chunk);
        const blocks = collector.finish();
        const expected = Buffer.concat(chunks);
        expect(bodyByteLength(blocks)).toBe(expected.length);
        expect(collector.size).toBe(expected.length);
        expect(bodyBuffer(blocks).equals(expected)).toBe(true);
      }),
      { seed: 42, numRuns: 60 },
    );
  });

  it('makes small blocks for small bodies and grows them up to 1 MiB; all of them transferable', () => {
    const small = new BodyCollector();
    small.push(Buffer.from('{"status":"ok"}'));
    const [only] = small.finish();
    expect(only?.buffer.byteLength).toBe(4 * 1024);
    const oneChunk = new BodyCollector();
    oneChunk.push(Buffer.alloc(50_000, 1));
    expect(oneChunk.finish().map((b) => b.buffer.byteLength)).toEqual([50_000]);

    const big = new BodyCollector();
    const chunk = Buffer.alloc(64 * 1024, 7);
    for (let i = 0; i < 64; i += 1) big.push(chunk); // 4 MiB
    const blocks = big.finish();
    expect(Math.max(...blocks.map((b) => b.buffer.byteLength))).toBe(1024 * 1024);
    expect(blocks.length).toBeLessThan(16);
    expect(transferableMemory(blocks)).toHaveLength(blocks.length);
    // Memory it did not make is never transferred (it may be shared with other views).
    expect(transferableMemory(chunk)).toEqual([]);
  });
});
