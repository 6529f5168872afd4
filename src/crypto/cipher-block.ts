import { CryptoError, CryptoErrorCode } from './errors';

/**
 * Byte helpers shared by the cipher core and backends that build a mode
 * themselves (forge's CTR). Pure functions; nothing here knows an algorithm.
 */

/**
 * Returns `counter + n` as a big-endian integer the width of the block,
 * wrapping around at 2^(8 × length): OpenSSL's CTR increments all 128 bits,
 * not just the low 32 (so a counter never repeats within 2^128 blocks).
 */
export function addToCounter(counter: Uint8Array, n: number): Buffer {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new CryptoError(
      CryptoErrorCode.INVALID_LENGTH,
      `counter increment must be a non-negative safe integer, got ${n}`,
    );
  }
  const out = Buffer.from(counter);
  let carry = n;
  for (let i = out.length - 1; i >= 0 && carry > 0; i--) {
    const sum = (out[i] ?? 0) + (carry % 256);
    out[i] = sum & 0xff;
    carry = Math.floor(carry / 256) + (sum >> 8);
  }
  return out;
}

/** `count` consecutive counter blocks starting at `counter`, concatenated. */
export function counterBlocks(counter: Uint8Array, count: number): Buffer {
  const size = counter.length;
  const out = Buffer.alloc(size * count);
  let block: Buffer = Buffer.from(counter);
  for (let i = 0; i < count; i++) {
    block.copy(out, i * size);
    block = addToCounter(block, 1);
  }
  return out;
}

/** `a XOR b` into a new buffer; both must have the same length. */
export function xorBytes(a: Uint8Array, b: Uint8Array): Buffer {
  if (a.length !== b.length) {
    throw new CryptoError(
      CryptoErrorCode.INVALID_LENGTH,
      `xorBytes needs equal lengths, got ${a.length} and ${b.length} bytes`,
    );
  }
  const out = Buffer.alloc(a.length);
  for (let i = 0; i < a.length; i++) out[i] = (a[i] ?? 0) ^ (b[i] ?? 0);
  return out;
}

/** A Buffer view of any Uint8Array, without copying. */
export function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}
