/**
 * A response body collected in blocks instead of one `Buffer.concat` at the end: that copy of
 * 16 MiB (with the page faults of a fresh 16 MiB allocation) held the event loop for 25–65 ms.
 * Each chunk is copied once into the current block as it arrives; the blocks are handed to the
 * parse worker as they are (their memory transferred, not copied) and joined there.
 */

/** A body as one array of bytes, or as blocks to be read in order. */
export type BodyBytes = Uint8Array | readonly Uint8Array[];

const MIN_BLOCK_BYTES = 4 * 1024;
const MAX_BLOCK_BYTES = 1024 * 1024;

/** Memory made here, so ours to transfer: nothing else holds a view of it. */
const OWNED: WeakSet<ArrayBufferLike> = new WeakSet();

export class BodyCollector {
  private readonly blocks: Buffer[] = [];
  private current: Buffer | undefined;
  private used = 0;
  /** Bytes collected so far. */
  size = 0;

  push(chunk: Uint8Array): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.current === undefined || this.used === this.current.length) {
        // Blocks grow with the body (at least the chunk at hand, or as big as what came before,
        // up to 1 MiB), so a small body in one chunk costs one block of its own size.
        const bytes = Math.min(MAX_BLOCK_BYTES, Math.max(MIN_BLOCK_BYTES, chunk.length - offset, this.size));
        this.current = Buffer.allocUnsafeSlow(bytes);
        OWNED.add(this.current.buffer);
        this.blocks.push(this.current);
        this.used = 0;
      }
      const count = Math.min(chunk.length - offset, this.current.length - this.used);
      this.current.set(chunk.subarray(offset, offset + count), this.used);
      this.used += count;
      this.size += count;
      offset += count;
    }
  }

  /** The blocks, the last one cut to what it holds. */
  finish(): Uint8Array[] {
    const blocks: Uint8Array[] = this.blocks.slice(0, -1);
    if (this.current !== undefined) blocks.push(this.current.subarray(0, this.used));
    return blocks;
  }
}

export function bodyByteLength(body: BodyBytes): number {
  if (body instanceof Uint8Array) return body.byteLength;
  let length = 0;
  for (const block of body) length += block.byteLength;
  return length;
}

/** The body as one Buffer (joining blocks: a copy, to be made where time does not matter). */
export function bodyBuffer(body: BodyBytes): Buffer {
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  return Buffer.concat(body as Uint8Array[]);
}

/** The memory of `body` that can be transferred to a worker rather than copied. */
export function transferableMemory(body: BodyBytes): ArrayBuffer[] {
  const blocks = body instanceof Uint8Array ? [body] : body;
  const buffers = new Set<ArrayBuffer>();
  for (const block of blocks) if (OWNED.has(block.buffer)) buffers.add(block.buffer as ArrayBuffer);
  return [...buffers];
}
