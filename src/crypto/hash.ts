/**
 * Hashes and HMACs through node:crypto. One table names what we offer, so
 * `hashSupports` answers for user input and nothing else reaches OpenSSL.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';

import { CryptoError, CryptoErrorCode } from './errors';

/** Digest lengths in bytes, keyed by our name (also OpenSSL's name). */
export const HASH_ALGORITHMS = {
  md5: 16,
  sha1: 20,
  sha224: 28,
  sha256: 32,
  sha384: 48,
  sha512: 64,
  'sha3-256': 32,
  'sha3-512': 64,
} as const;
export type HashAlgorithm = keyof typeof HASH_ALGORITHMS;

export type HashOutput = 'bytes' | 'hex' | 'base64';

/** One buffer, or several hashed as their concatenation (without building it). */
export type HashInput = Uint8Array | readonly Uint8Array[];

export function hashSupports(algorithm: string): algorithm is HashAlgorithm {
  return Object.prototype.hasOwnProperty.call(HASH_ALGORITHMS, algorithm);
}

export function hashDigestLength(algorithm: HashAlgorithm): number {
  return HASH_ALGORITHMS[checked(algorithm)];
}

export function hashDigest(algorithm: HashAlgorithm, data: HashInput, output?: 'bytes'): Buffer;
export function hashDigest(algorithm: HashAlgorithm, data: HashInput, output: 'hex' | 'base64'): string;
export function hashDigest(algorithm: HashAlgorithm, data: HashInput, output: HashOutput): Buffer | string;
export function hashDigest(
  algorithm: HashAlgorithm,
  data: HashInput,
  output: HashOutput = 'bytes',
): Buffer | string {
  return finish(feed(createHash(checked(algorithm)), data), output);
}

export function hmacDigest(
  algorithm: HashAlgorithm,
  key: Uint8Array,
  data: HashInput,
  output?: 'bytes',
): Buffer;
export function hmacDigest(
  algorithm: HashAlgorithm,
  key: Uint8Array,
  data: HashInput,
  output: 'hex' | 'base64',
): string;
export function hmacDigest(
  algorithm: HashAlgorithm,
  key: Uint8Array,
  data: HashInput,
  output: HashOutput,
): Buffer | string;
export function hmacDigest(
  algorithm: HashAlgorithm,
  key: Uint8Array,
  data: HashInput,
  output: HashOutput = 'bytes',
): Buffer | string {
  return finish(feed(createHmac(checked(algorithm), key), data), output);
}

/** Run-time check too: JavaScript callers and casts can pass any string. */
function checked(algorithm: string): HashAlgorithm {
  if (!hashSupports(algorithm)) {
    throw new CryptoError(
      CryptoErrorCode.UNSUPPORTED,
      `hash algorithm "${algorithm}" is not supported (supported: ` +
        `${Object.keys(HASH_ALGORITHMS).join(', ')})`,
    );
  }
  return algorithm;
}

function feed<T extends Hash | Hmac>(hash: T, data: HashInput): T {
  if (data instanceof Uint8Array) hash.update(data);
  else for (const part of data) hash.update(part);
  return hash;
}

function finish(hash: Hash | Hmac, output: HashOutput): Buffer | string {
  switch (output) {
    case 'bytes':
      return hash.digest();
    case 'hex':
    case 'base64':
      return hash.digest(output);
    default:
      throw new CryptoError(
        CryptoErrorCode.UNSUPPORTED,
        `hash output "${String(output)}" is not one of bytes, hex, base64`,
      );
  }
}
