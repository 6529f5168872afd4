import { VncdError } from '../errors';

export const CryptoErrorCode = {
  /** An algorithm, mode or backend that no registered backend provides. */
  UNSUPPORTED: 'CRYPTO_UNSUPPORTED',
  UNKNOWN_BACKEND: 'CRYPTO_UNKNOWN_BACKEND',
  /** A backend registered under a name that is already taken. */
  DUPLICATE_BACKEND: 'CRYPTO_DUPLICATE_BACKEND',
  /** A backend threw or broke its contract (e.g. returned the wrong length). */
  BACKEND_FAILED: 'CRYPTO_BACKEND_FAILED',
  INVALID_KEY: 'CRYPTO_INVALID_KEY',
  INVALID_IV: 'CRYPTO_INVALID_IV',
  /** Input to a block mode that is not a whole number of blocks. */
  INVALID_LENGTH: 'CRYPTO_INVALID_LENGTH',
  SECRET_UNKNOWN: 'CRYPTO_SECRET_UNKNOWN',
  SECRET_INVALID: 'CRYPTO_SECRET_INVALID',
  SECRET_DECRYPT: 'CRYPTO_SECRET_DECRYPT',
  SECRET_READ: 'CRYPTO_SECRET_READ',
  DN_INVALID: 'CRYPTO_DN_INVALID',
  AUTHZ_INVALID: 'CRYPTO_AUTHZ_INVALID',
  /** An authz rules file that cannot be read or watched. */
  AUTHZ_READ: 'CRYPTO_AUTHZ_READ',
  /** TLS credentials that cannot be loaded: the error's `problems` list every file and rule broken. */
  TLS_CREDS_INVALID: 'CRYPTO_TLS_CREDS_INVALID',
  /** A bad TLS credentials or session option: endpoint, priority, timeout, creds used on the wrong side. */
  TLS_OPTION_INVALID: 'CRYPTO_TLS_OPTION_INVALID',
  /** The TLS handshake failed: no shared cipher or protocol, a malformed or closed connection. */
  TLS_HANDSHAKE: 'CRYPTO_TLS_HANDSHAKE',
  /** The TLS handshake did not finish in time. */
  TLS_TIMEOUT: 'CRYPTO_TLS_TIMEOUT',
  /** The peer's certificate is missing or not trusted (unknown CA, expired, wrong host name, revoked). */
  TLS_PEER_REFUSED: 'CRYPTO_TLS_PEER_REFUSED',
  /** The peer's certificate DN is not allowed by the authz object. */
  TLS_AUTHZ_DENIED: 'CRYPTO_TLS_AUTHZ_DENIED',
} as const;
export type CryptoErrorCode = (typeof CryptoErrorCode)[keyof typeof CryptoErrorCode];

export class CryptoError extends VncdError<CryptoErrorCode> {}
