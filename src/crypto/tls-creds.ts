/**
 * What every TLS credentials object is (QEMU's tls-creds): made once, shared
 * by any number of listeners and sessions, and asked for the Node TLS options
 * of one handshake at a time, so a reload takes effect for the next session.
 * Also the priority: an OpenSSL cipher list plus protocol versions.
 */
import { errorMessage } from '../errors';
import type { ConnectionOptions, SecureVersion, TlsOptions } from 'node:tls';
import { createSecureContext } from 'node:tls';
import { CryptoError, CryptoErrorCode } from './errors';
import { formatProblems, type CertProblem } from './tls-x509-problems';

export const TLS_ENDPOINTS = ['server', 'client'] as const;
export type TlsEndpoint = (typeof TLS_ENDPOINTS)[number];

export type TlsCredsKind = 'anon' | 'x509';

export interface TlsCreds {
  readonly kind: TlsCredsKind;
  readonly endpoint: TlsEndpoint;
  /** x509: the peer must present a certificate signed by one of our CAs. Always false for anon. */
  readonly verifyPeer: boolean;
  readonly priority: TlsPriority;
  /** Node options for the server side of one handshake (a `tls.Server`). Throws on a client endpoint. */
  tlsServerOptions(): TlsOptions;
  /** Node options for the client side of one handshake (`tls.connect`). Throws on a server endpoint. */
  tlsClientOptions(): ConnectionOptions;
}

/** Cipher choice and protocol versions for one credentials object. */
export interface TlsPriority {
  /**
   * An OpenSSL cipher list; TLS 1.3 suites (`TLS_…` names) may be listed too,
   * Node hands those to OpenSSL's ciphersuites. Our order wins (honorCipherOrder).
   */
  readonly ciphers: string;
  readonly minVersion: SecureVersion;
  readonly maxVersion: SecureVersion;
}

/** A cipher list alone (the versions stay the default), or any fields to change. */
export type TlsPriorityOptions = string | Partial<TlsPriority>;

/**
 * x509 default: TLS 1.2 and 1.3, forward-secret AEAD suites only (ECDHE and
 * DHE with AES-GCM or ChaCha20-Poly1305; every TLS 1.3 suite is such).
 */
export const DEFAULT_X509_PRIORITY: TlsPriority = {
  ciphers: [
    'TLS_AES_256_GCM_SHA384',
    'TLS_CHACHA20_POLY1305_SHA256',
    'TLS_AES_128_GCM_SHA256',
    'ECDHE-ECDSA-AES256-GCM-SHA384',
    'ECDHE-RSA-AES256-GCM-SHA384',
    'ECDHE-ECDSA-CHACHA20-POLY1305',
    'ECDHE-RSA-CHACHA20-POLY1305',
    'ECDHE-ECDSA-AES128-GCM-SHA256',
    'ECDHE-RSA-AES128-GCM-SHA256',
    'DHE-RSA-AES256-GCM-SHA384',
    'DHE-RSA-CHACHA20-POLY1305',
    'DHE-RSA-AES128-GCM-SHA256',
  ].join(':'),
  minVersion: 'TLSv1.2',
  maxVersion: 'TLSv1.3',
};

/**
 * Anonymous default: what gnutls clients offer with `NORMAL:+ANON-ECDH:+ANON-DH`,
 * AEAD first (only anonymous DH has GCM suites), then anonymous ECDH. TLS 1.3
 * has no anonymous suites, so TLS 1.2 is the most; OpenSSL allows anonymous
 * suites only at security level 0.
 */
export const DEFAULT_ANON_PRIORITY: TlsPriority = {
  ciphers: [
    'ADH-AES256-GCM-SHA384',
    'ADH-AES128-GCM-SHA256',
    'AECDH-AES256-SHA',
    'AECDH-AES128-SHA',
    'ADH-AES256-SHA256',
    'ADH-AES128-SHA256',
    'ADH-AES256-SHA',
    'ADH-AES128-SHA',
    '@SECLEVEL=0',
  ].join(':'),
  minVersion: 'TLSv1.2',
  maxVersion: 'TLSv1.2',
};

const VERSION_ORDER: readonly SecureVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

/** Merges options onto a default and checks the result with OpenSSL. `who` names the object in messages. */
export function resolvePriority(options: TlsPriorityOptions | undefined, base: TlsPriority, who: string): TlsPriority {
  const given = typeof options === 'string' ? { ciphers: options } : (options ?? {});
  const priority: TlsPriority = {
    ciphers: given.ciphers ?? base.ciphers,
    minVersion: given.minVersion ?? base.minVersion,
    maxVersion: given.maxVersion ?? base.maxVersion,
  };
  for (const key of ['minVersion', 'maxVersion'] as const) {
    if (!VERSION_ORDER.includes(priority[key])) {
      throw optionError(`${who}: priority ${key} must be one of ${VERSION_ORDER.join(', ')}, not ${JSON.stringify(priority[key])}`);
    }
  }
  if (VERSION_ORDER.indexOf(priority.minVersion) > VERSION_ORDER.indexOf(priority.maxVersion)) {
    throw optionError(`${who}: priority minVersion ${priority.minVersion} is above maxVersion ${priority.maxVersion}`);
  }
  if (typeof priority.ciphers !== 'string' || priority.ciphers.trim() === '') {
    throw optionError(`${who}: priority ciphers must be a non-empty OpenSSL cipher list`);
  }
  try {
    createSecureContext({ ciphers: priority.ciphers, minVersion: priority.minVersion, maxVersion: priority.maxVersion });
  } catch (error) {
    throw optionError(`${who}: OpenSSL refuses the cipher list ${JSON.stringify(priority.ciphers)}: ${errorMessage(error)}`, error);
  }
  return priority;
}

export function checkEndpoint(endpoint: unknown, who: string): TlsEndpoint {
  if (endpoint === 'server' || endpoint === 'client') return endpoint;
  throw optionError(`${who}: endpoint must be "server" or "client", not ${JSON.stringify(endpoint)}`);
}

export function optionError(message: string, cause?: unknown): CryptoError {
  return new CryptoError(CryptoErrorCode.TLS_OPTION_INVALID, message, cause === undefined ? undefined : { cause });
}

/** Thrown when credentials cannot be loaded; `problems` holds every problem found (warnings too). */
export class TlsCredsError extends CryptoError {
  readonly problems: readonly CertProblem[];

  constructor(summary: string, problems: readonly CertProblem[]) {
    const errors = problems.filter((p) => p.severity === 'error').length;
    super(
      CryptoErrorCode.TLS_CREDS_INVALID,
      `${summary}: ${errors} problem${errors === 1 ? '' : 's'}\n${formatProblems(problems)}`,
    );
    this.problems = problems;
  }
}

/** The server-side options every kind shares. */
export function priorityOptions(priority: TlsPriority): Pick<TlsOptions, 'ciphers' | 'minVersion' | 'maxVersion'> {
  return { ciphers: priority.ciphers, minVersion: priority.minVersion, maxVersion: priority.maxVersion };
}
