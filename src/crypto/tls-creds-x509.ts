/**
 * x509 TLS credentials (QEMU's tls-creds-x509): a directory in QEMU's layout,
 * sanity-checked at load (every problem reported at once), re-read on
 * `reload()` so renewed certificates serve the next sessions.
 */
import type { ConnectionOptions, TlsOptions } from 'node:tls';
import {
  DEFAULT_X509_PRIORITY,
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
import type { KeyPassword } from './tls-x509-files';
import type { CertProblem } from './tls-x509-problems';
import { readX509Dir, type X509Material } from './x509-check';

export interface TlsCredsX509Options {
  /** Holds ca-cert.pem, optional ca-crl.pem, server-cert.pem + server-key.pem (or client-…), optional dh-params.pem. */
  readonly dir: string;
  readonly endpoint: TlsEndpoint;
  /** Server: ask for a client certificate and refuse clients without a trusted one. Client: verify the server. Default true. */
  readonly verifyPeer?: boolean;
  /** The private key's password (QEMU's passwordid): text, or a function read at every load, e.g. from a SecretStore. */
  readonly password?: KeyPassword;
  readonly priority?: TlsPriorityOptions;
  /** false skips the certificate rules (QEMU's sanity-check=off); files must still be readable. Default true. */
  readonly sanityCheck?: boolean;
}

/** Our own certificate, for logs and status pages. */
export interface TlsCertificateSummary {
  readonly subject: string;
  readonly issuer: string;
  readonly serial: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

export class TlsCredsX509 implements TlsCreds {
  readonly kind = 'x509' as const;
  readonly dir: string;
  readonly endpoint: TlsEndpoint;
  readonly verifyPeer: boolean;
  readonly priority: TlsPriority;
  readonly #password: KeyPassword | undefined;
  readonly #sanityCheck: boolean;
  #material: X509Material;
  #warnings: readonly CertProblem[];
  #generation = 0;

  /** Loads and checks the directory; throws TlsCredsError listing every problem. */
  constructor(options: TlsCredsX509Options) {
    const who = 'tls-creds-x509';
    this.endpoint = checkEndpoint(options.endpoint, who);
    if (typeof options.dir !== 'string' || options.dir === '') throw optionError(`${who}: dir must be a non-empty path`);
    this.dir = options.dir;
    this.verifyPeer = options.verifyPeer ?? true;
    this.priority = resolvePriority(options.priority, DEFAULT_X509_PRIORITY, who);
    this.#password = options.password;
    this.#sanityCheck = options.sanityCheck ?? true;
    const { material, warnings } = this.#load();
    this.#material = material;
    this.#warnings = warnings;
  }

  /** Problems that did not stop loading (the last successful load's). */
  get warnings(): readonly CertProblem[] {
    return this.#warnings;
  }

  /** Counts successful loads: 1 after the constructor, +1 per successful reload. */
  get generation(): number {
    return this.#generation;
  }

  /** Our certificate (absent for a client endpoint without one). */
  get certificate(): TlsCertificateSummary | undefined {
    const info = this.#material.certInfo;
    if (info === undefined) return undefined;
    const { subject, issuer, serial, notBefore, notAfter } = info;
    return { subject, issuer, serial, notBefore, notAfter };
  }

  /**
   * Re-reads and re-checks the directory. On success new sessions use the new
   * files (running ones keep theirs); on failure the loaded credentials stay
   * in use and the TlsCredsError says why.
   */
  reload(): void {
    const { material, warnings } = this.#load();
    this.#material = material;
    this.#warnings = warnings;
  }

  tlsServerOptions(): TlsOptions {
    if (this.endpoint !== 'server') throw optionError(`tls-creds-x509 ${this.dir}: these credentials are for a client endpoint`);
    const m = this.#material;
    return {
      ...priorityOptions(this.priority),
      ...this.#common(),
      cert: m.cert ?? '',
      key: m.key ?? '',
      dhparam: m.dhparam ?? 'auto',
      honorCipherOrder: true,
      requestCert: this.verifyPeer,
      rejectUnauthorized: this.verifyPeer,
    };
  }

  tlsClientOptions(): ConnectionOptions {
    if (this.endpoint !== 'client') throw optionError(`tls-creds-x509 ${this.dir}: these credentials are for a server endpoint`);
    const m = this.#material;
    return {
      ...priorityOptions(this.priority),
      ...this.#common(),
      ...(m.cert === undefined || m.key === undefined ? {} : { cert: m.cert, key: m.key }),
      rejectUnauthorized: this.verifyPeer,
    };
  }

  #common(): Pick<TlsOptions, 'ca' | 'crl'> {
    const m = this.#material;
    return { ca: [...m.ca], ...(m.crl === undefined ? {} : { crl: m.crl }) };
  }

  #load(): { material: X509Material; warnings: readonly CertProblem[] } {
    const { material, problems } = readX509Dir(this.dir, this.endpoint, {
      ...(this.#password === undefined ? {} : { password: this.#password }),
      sanityCheck: this.#sanityCheck,
    });
    if (problems.some((p) => p.severity === 'error')) {
      throw new TlsCredsError(`cannot load tls-creds-x509 from ${this.dir} for a TLS ${this.endpoint}`, problems);
    }
    this.#generation++;
    return { material, warnings: problems };
  }
}
