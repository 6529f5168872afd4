/**
 * The pure-JavaScript backend, through node-forge (its DES is single DES).
 *
 * CTR is built here from forge's ECB block function rather than taken from
 * forge's CTR mode: node-forge 1.x (`inc32` in lib/cipherModes.js) increments
 * only the low 32 bits of the counter block, whereas OpenSSL (and NIST
 * SP 800-38A's usual choice) increments all 128 bits. The two differ as soon
 * as the low 32 bits wrap, and both backends must give the same bytes.
 */
import forge from 'node-forge';

import { counterBlocks, xorBytes } from './cipher-block';
import type { CipherAlgorithm, CipherBackend, CipherMode, CipherRequest } from './cipher';
import { CryptoError, CryptoErrorCode } from './errors';

type ForgeFamily = 'AES' | 'DES';

const FAMILIES: Readonly<Record<CipherAlgorithm, ForgeFamily>> = {
  'aes-128': 'AES',
  'aes-192': 'AES',
  'aes-256': 'AES',
  des: 'DES',
};

/** forge's DES has no CTR of ours (see above) and we do not offer des-ctr. */
function supports(algorithm: CipherAlgorithm, mode: CipherMode): boolean {
  return Object.prototype.hasOwnProperty.call(FAMILIES, algorithm) &&
    (mode === 'ecb' || mode === 'cbc' || (mode === 'ctr' && FAMILIES[algorithm] === 'AES'));
}

/** Runs forge's ECB or CBC over whole blocks, without padding. */
function runForge(
  family: ForgeFamily,
  mode: 'ecb' | 'cbc',
  direction: CipherRequest['direction'],
  key: Buffer,
  iv: Buffer | undefined,
  data: Buffer,
): Buffer {
  const algorithm = mode === 'ecb' ? (`${family}-ECB` as const) : (`${family}-CBC` as const);
  const keyBytes = forge.util.createBuffer(key.toString('binary'));
  const op =
    direction === 'encrypt'
      ? forge.cipher.createCipher(algorithm, keyBytes)
      : forge.cipher.createDecipher(algorithm, keyBytes);
  op.start(iv === undefined ? {} : { iv: iv.toString('binary') });
  // Whole blocks are processed by update(); finish() would add or strip
  // PKCS#7 padding, which qcrypto semantics forbid, so it is never called.
  op.update(forge.util.createBuffer(data.toString('binary')));
  return Buffer.from(op.output.getBytes(), 'binary');
}

export function createForgeCipherBackend(): CipherBackend {
  return {
    name: 'forge',
    supports,
    transform(request: CipherRequest): Buffer {
      const { algorithm, mode, direction, key, iv, data } = request;
      if (!supports(algorithm, mode)) {
        throw new CryptoError(
          CryptoErrorCode.UNSUPPORTED,
          `cipher backend "forge" does not support ${algorithm}-${mode}`,
        );
      }
      const family = FAMILIES[algorithm];
      if (mode !== 'ctr') return runForge(family, mode, direction, key, iv, data);
      if (iv === undefined) {
        throw new CryptoError(CryptoErrorCode.INVALID_IV, `${algorithm}-ctr needs a counter block`);
      }
      // CTR: keystream = E(counter), E(counter + 1), …; same for both directions.
      const keystream = runForge(
        family,
        'ecb',
        'encrypt',
        key,
        undefined,
        counterBlocks(iv, data.length / iv.length),
      );
      return xorBytes(data, keystream);
    },
  };
}
