/**
 * The OpenSSL backend, through node:crypto.
 *
 * OpenSSL 3 only offers single DES (`des-ecb`, `des-cbc`) from its legacy
 * provider, which Node does not load by default. Triple DES with the same key
 * three times is single DES (encrypt, decrypt, encrypt with one key cancels to
 * one encryption), so DES runs as `des-ede3-*` with the key repeated.
 */
import { createCipheriv, createDecipheriv, getCiphers } from 'node:crypto';

import type { CipherAlgorithm, CipherBackend, CipherMode, CipherRequest } from './cipher';
import { CryptoError, CryptoErrorCode } from './errors';

/** OpenSSL cipher names; a missing pair means this backend declines it. */
const OPENSSL_NAMES: Readonly<Record<CipherAlgorithm, Partial<Record<CipherMode, string>>>> = {
  'aes-128': { ecb: 'aes-128-ecb', cbc: 'aes-128-cbc', ctr: 'aes-128-ctr' },
  'aes-192': { ecb: 'aes-192-ecb', cbc: 'aes-192-cbc', ctr: 'aes-192-ctr' },
  'aes-256': { ecb: 'aes-256-ecb', cbc: 'aes-256-cbc', ctr: 'aes-256-ctr' },
  des: { ecb: 'des-ede3-ecb', cbc: 'des-ede3-cbc' },
};

export function createNodeCipherBackend(): CipherBackend {
  // Asked once per backend: a FIPS or trimmed OpenSSL build may lack some names.
  const available = new Set(getCiphers());
  const opensslName = (algorithm: CipherAlgorithm, mode: CipherMode): string | undefined => {
    const name = OPENSSL_NAMES[algorithm][mode];
    return name !== undefined && available.has(name) ? name : undefined;
  };

  return {
    name: 'node',
    supports: (algorithm, mode) => opensslName(algorithm, mode) !== undefined,
    transform(request: CipherRequest): Buffer {
      const { algorithm, mode, direction, data } = request;
      const name = opensslName(algorithm, mode);
      if (name === undefined) {
        throw new CryptoError(
          CryptoErrorCode.UNSUPPORTED,
          `cipher backend "node" (OpenSSL) does not support ${algorithm}-${mode}`,
        );
      }
      const key =
        algorithm === 'des' ? Buffer.concat([request.key, request.key, request.key]) : request.key;
      const iv = request.iv ?? null;
      const op =
        direction === 'encrypt' ? createCipheriv(name, key, iv) : createDecipheriv(name, key, iv);
      op.setAutoPadding(false);
      return Buffer.concat([op.update(data), op.final()]);
    },
  };
}
