/**
 * Random bytes. There is no global setter: code that needs randomness takes a
 * `random?: RandomSource` option defaulting to `secureRandom`, and tests pass
 * `deterministicRandom(seed)` there.
 */
import { createHash, randomBytes } from 'node:crypto';

import { CryptoError, CryptoErrorCode } from './errors';

export type RandomSource = (length: number) => Buffer;

function checkLength(length: number): void {
  if (!Number.isSafeInteger(length) || length < 0) {
    throw new CryptoError(
      CryptoErrorCode.INVALID_LENGTH,
      `random length must be a non-negative integer, got ${length}`,
    );
  }
}

/** Cryptographically secure bytes from the operating system (via OpenSSL). */
export const secureRandom: RandomSource = (length) => {
  checkLength(length);
  return randomBytes(length);
};

/**
 * A reproducible stream for tests: block i is SHA-256(seed ‖ i as 64-bit
 * big-endian), and successive calls continue the stream. NOT SECURE — anyone
 * who knows the seed knows every byte; never use it for keys or challenges.
 * String seeds are UTF-8 encoded.
 */
export function deterministicRandom(seed: string | Uint8Array): RandomSource {
  const seedBytes = typeof seed === 'string' ? Buffer.from(seed, 'utf8') : Buffer.from(seed);
  let counter = 0n;
  let pool = Buffer.alloc(0);
  return (length) => {
    checkLength(length);
    const blocks: Buffer[] = [pool];
    let have = pool.length;
    while (have < length) {
      const index = Buffer.alloc(8);
      index.writeBigUInt64BE(counter);
      counter += 1n;
      const block = createHash('sha256').update(seedBytes).update(index).digest();
      blocks.push(block);
      have += block.length;
    }
    const all = Buffer.concat(blocks);
    pool = all.subarray(length);
    return Buffer.from(all.subarray(0, length));
  };
}
