/**
 * Anonymous TLS credentials (QEMU's tls-creds-anon): anonymous DH and ECDH,
 * encryption without authentication, which is what VeNCrypt's TLSNone,
 * TLSVnc and TLSPlain use. Optional DH parameters come from `dir`.
 */
import { join } from 'node:path';
import type { ConnectionOptions, TlsOptions } from 'node:tls';
import {
  DEFAULT_ANON_PRIORITY,
  TlsCredsError,
  checkEndpoint,
  optionError,
  priorityOptions,
  resolvePriority,
  type TlsCreds,
  type TlsEndpoint,
  type TlsPriority,
  type TlsPriorityOptions,
} from './tls-creds';
import { X509_FILES, readDhParams, readFileIfPresent } from './tls-x509-files';
import { ProblemList, type CertProblem } from './tls-x509-problems';

export interface TlsCredsAnonOptions {
  readonly endpoint: TlsEndpoint;
  /** A directory that may hold dh-params.pem (server side); without it Node's built-in groups are used. */
  readonly dir?: string;
  readonly priority?: TlsPriorityOptions;
}

export class TlsCredsAnon implements TlsCreds {
  readonly kind = 'anon' as const;
  readonly endpoint: TlsEndpoint;
  readonly verifyPeer = false;
  readonly priority: TlsPriority;
  readonly dir: string | undefined;
  #dhparam: Buffer | 'auto' = 'auto';
  #warnings: readonly CertProblem[] = [];

  constructor(options: TlsCredsAnonOptions) {
    const who = 'tls-creds-anon';
    this.endpoint = checkEndpoint(options.endpoint, who);
    if (options.dir !== undefined && (typeof options.dir !== 'string' || options.dir === '')) {
      throw optionError(`${who}: dir must be a non-empty path`);
    }
    this.dir = options.dir;
    this.priority = resolvePriority(options.priority, DEFAULT_ANON_PRIORITY, who);
    if (this.priority.maxVersion === 'TLSv1.3') {
      throw optionError(`${who}: priority maxVersion cannot be TLSv1.3: TLS 1.3 has no anonymous cipher suites`);
    }
    this.reload();
  }

  /** Problems that did not stop loading (e.g. DH parameters below 2048 bits). */
  get warnings(): readonly CertProblem[] {
    return this.#warnings;
  }

  /** Re-reads dh-params.pem; on failure the previous parameters stay and the error says why. */
  reload(): void {
    if (this.dir === undefined || this.endpoint === 'client') return;
    const problems = new ProblemList();
    const file = join(this.dir, X509_FILES.DH_PARAMS);
    const bytes = readFileIfPresent(file, false, '', problems);
    const dhparam = bytes === undefined ? undefined : readDhParams(file, bytes, problems);
    if (problems.hasErrors) {
      throw new TlsCredsError(`cannot load tls-creds-anon from ${this.dir}`, problems.items);
    }
    this.#dhparam = dhparam ?? 'auto';
    this.#warnings = problems.items;
  }

  tlsServerOptions(): TlsOptions {
    if (this.endpoint !== 'server') throw optionError('tls-creds-anon: these credentials are for a client endpoint, not a server');
    return { ...priorityOptions(this.priority), dhparam: this.#dhparam, honorCipherOrder: true };
  }

  tlsClientOptions(): ConnectionOptions {
    if (this.endpoint !== 'client') throw optionError('tls-creds-anon: these credentials are for a server endpoint, not a client');
    // No certificate to verify: anonymous suites authenticate nobody.
    return { ...priorityOptions(this.priority), rejectUnauthorized: false };
  }
}
