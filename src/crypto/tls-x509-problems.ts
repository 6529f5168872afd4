/**
 * What the x509 sanity checks report: one problem per broken rule, each naming
 * the file (and the certificate inside it) and the rule, so that an operator
 * can fix every problem of a credentials directory in one go.
 */

/** The rules, after QEMU's crypto/tlscredsx509.c checks plus what OpenSSL enforces on top. */
export const CertRule = {
  /** A required file is absent (ca-cert.pem; server-cert.pem + server-key.pem for a server). */
  FILE_MISSING: 'file-missing',
  FILE_UNREADABLE: 'file-unreadable',
  /** No PEM certificate in a certificate file, or one that cannot be parsed. */
  PEM_INVALID: 'pem-invalid',
  /** A CA certificate without basic constraints, or with CA:FALSE. */
  CA_BASIC_CONSTRAINTS: 'ca-basic-constraints',
  /** A CA certificate whose key usage does not include keyCertSign. */
  CA_KEY_USAGE: 'ca-key-usage',
  /** A server or client certificate whose basic constraints say CA:TRUE. */
  LEAF_IS_CA: 'leaf-is-ca',
  /** A server or client certificate whose key usage lacks digitalSignature / keyEncipherment. */
  KEY_USAGE: 'key-usage',
  /** Extended key usage without serverAuth (server) or clientAuth (client). */
  KEY_PURPOSE: 'key-purpose',
  /** Not signed by a CA of ca-cert.pem, or a chain that does not reach a root there. */
  UNTRUSTED: 'untrusted',
  EXPIRED: 'expired',
  NOT_YET_VALID: 'not-yet-valid',
  /** Our own certificate is listed in ca-crl.pem. */
  REVOKED: 'revoked',
  KEY_UNREADABLE: 'key-unreadable',
  /** An encrypted key without a password, or with a wrong one. */
  KEY_PASSWORD: 'key-password',
  KEY_MISMATCH: 'key-mismatch',
  DH_PARAMS: 'dh-params',
  /** A CRL that cannot be parsed, is not issued by a CA of ca-cert.pem, or whose signature fails. */
  CRL_INVALID: 'crl-invalid',
  /** A CRL past its nextUpdate (or before its thisUpdate): OpenSSL then refuses peers. */
  CRL_TIME: 'crl-time',
  /** With a CRL file, a CA without a CRL: OpenSSL refuses peers issued under it (UNABLE_TO_GET_CRL). */
  CRL_MISSING: 'crl-missing',
  /** OpenSSL refused the assembled credentials (e.g. a key too small for the security level). */
  TLS_CONTEXT: 'tls-context',
} as const;
export type CertRule = (typeof CertRule)[keyof typeof CertRule];

export type CertProblemSeverity = 'error' | 'warning';

export interface CertProblem {
  readonly rule: CertRule;
  /** Errors make loading fail; warnings are reported and the credentials still load. */
  readonly severity: CertProblemSeverity;
  /** The path of the file the problem is in. */
  readonly file: string;
  /** Which certificate of the file (1-based) and its subject (RFC 4514), when it is about one. */
  readonly certificate?: { readonly index: number; readonly subject: string };
  /** One sentence for people: file, certificate, what is wrong, and the rule in brackets. */
  readonly message: string;
}

/** Where a problem is: a file, or one certificate in a file holding `count` of them. */
export interface ProblemPlace {
  readonly file: string;
  readonly index?: number;
  readonly count?: number;
  readonly subject?: string;
}

/** Collects problems in the order they are found. */
export class ProblemList {
  readonly items: CertProblem[] = [];

  error(place: ProblemPlace, rule: CertRule, text: string): void {
    this.add('error', place, rule, text);
  }

  warning(place: ProblemPlace, rule: CertRule, text: string): void {
    this.add('warning', place, rule, text);
  }

  get hasErrors(): boolean {
    return this.items.some((problem) => problem.severity === 'error');
  }

  private add(severity: CertProblemSeverity, place: ProblemPlace, rule: CertRule, text: string): void {
    let where = place.file;
    if (place.subject !== undefined) {
      const subject = place.subject === '' ? '(empty subject)' : place.subject;
      const nth = place.index !== undefined && (place.count ?? 1) > 1 ? ` #${place.index}` : '';
      where += `${nth} (${subject})`;
    }
    const problem: CertProblem = {
      rule,
      severity,
      file: place.file,
      message: `${where}: ${text} [${rule}]`,
      ...(place.subject !== undefined && place.index !== undefined
        ? { certificate: { index: place.index, subject: place.subject } }
        : {}),
    };
    this.items.push(problem);
  }
}

/** The text of a problem list, one per line, errors first. */
export function formatProblems(problems: readonly CertProblem[]): string {
  const sorted = [...problems.filter((p) => p.severity === 'error'), ...problems.filter((p) => p.severity === 'warning')];
  return sorted.map((p) => `${p.severity}: ${p.message}`).join('\n');
}
