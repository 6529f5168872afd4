import { CryptoError } from '../../src/crypto/errors';

/** Runs `fn`, which must throw a CryptoError; returns it for code and message checks (anything else thrown is rethrown). */
export function cryptoError(fn: () => unknown): CryptoError {
  try {
    fn();
  } catch (error) {
    if (error instanceof CryptoError) return error;
    throw error;
  }
  throw new Error('expected a CryptoError, nothing was thrown');
}
