/**
 * The x509 credentials sanity checks, after QEMU's crypto/tlscredsx509.c:
 * read a directory in QEMU's layout and report every problem at once (file,
 * certificate and rule), before any client meets a broken certificate.
 *
 * Where OpenSSL (which runs our TLS sessions, and most clients' checks) is
 * stricter than QEMU's GnuTLS rules, the OpenSSL rule wins, so that what loads
 * also works: a CA key usage without keyCertSign and an extended key usage
 * without the needed purpose are errors whether critical or not. As in QEMU, a
 * leaf's key usage lacking digitalSignature or keyEncipherment is an error
 * when critical and only a warning otherwise; keyEncipherment is asked of RSA
 * keys only (an EC key cannot encipher; RFC 8813).
 */
import { errorMessage } from '../errors';
import type { KeyObject } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import { join } from 'node:path';
import type { TlsEndpoint } from './tls-creds';
import { checkCrls, readCrls } from './tls-x509-crl';
import {
  X509_FILES,
  readCertificates,
  readDhParams,
  readFileIfPresent,
  readPrivateKey,
  type KeyPassword,
  type PemCertificate,
} from './tls-x509-files';
import { ExtKeyUsageOid, type CertInfo, type KeyUsageBit } from './tls-x509-info';
import { CertRule, ProblemList, type CertProblem } from './tls-x509-problems';

export interface CheckCertificatesOptions {
  /** The private key's password, when the key is encrypted. */
  readonly password?: KeyPassword;
  /** The time validity is checked against; default now. */
  readonly now?: Date;
}

export interface ReadX509Options extends CheckCertificatesOptions {
  /** false: only read the files (QEMU's sanity-check=off); the certificate rules are skipped. */
  readonly sanityCheck?: boolean;
}

/** What a TLS context is built from, read from the directory. */
export interface X509Material {
  /** Every certificate of ca-cert.pem, PEM. */
  readonly ca: readonly string[];
  readonly crl?: Buffer;
  /** Our certificate followed by any chain certificates of its file, PEM. */
  readonly cert?: string;
  /** Our private key, decrypted, as PKCS#8 PEM. */
  readonly key?: string;
  readonly dhparam?: Buffer;
  /** Our certificate's facts (absent for a client without one). */
  readonly certInfo?: CertInfo;
}

export interface X509ReadResult {
  readonly material: X509Material;
  readonly problems: readonly CertProblem[];
}

/** Runs every check on `dir` for `endpoint` and returns the problems (errors and warnings); never throws. */
export function checkCertificates(
  dir: string,
  endpoint: TlsEndpoint,
  options: CheckCertificatesOptions = {},
): CertProblem[] {
  return [...readX509Dir(dir, endpoint, options).problems];
}

/** Reads and (unless sanityCheck is false) checks a credentials directory. */
export function readX509Dir(dir: string, endpoint: TlsEndpoint, options: ReadX509Options = {}): X509ReadResult {
  const problems = new ProblemList();
  const now = options.now ?? new Date();
  const check = options.sanityCheck !== false;
  const server = endpoint === 'server';
  const path = (name: string): string => join(dir, name);
  const caFile = path(X509_FILES.CA_CERT);
  const certFile = path(server ? X509_FILES.SERVER_CERT : X509_FILES.CLIENT_CERT);
  const keyFile = path(server ? X509_FILES.SERVER_KEY : X509_FILES.CLIENT_KEY);
  const crlFile = path(X509_FILES.CA_CRL);

  const caBytes = readFileIfPresent(caFile, true, 'it holds the CA certificates that peers are verified with', problems);
  const cas = caBytes === undefined ? [] : readCertificates(caFile, caBytes, problems);
  const certBytes = readFileIfPresent(certFile, server, `a TLS server needs its certificate (with ${X509_FILES.SERVER_KEY})`, problems);
  const keyBytes = readFileIfPresent(keyFile, server || certBytes !== undefined, `it holds the private key of ${certFile}`, problems);
  if (!server && keyBytes !== undefined && certBytes === undefined) {
    problems.error({ file: certFile }, CertRule.FILE_MISSING, `is missing: it is the certificate for the key in ${keyFile}`);
  }
  const chain = certBytes === undefined ? [] : readCertificates(certFile, certBytes, problems);
  const leaf = chain[0];
  const key = keyBytes === undefined ? undefined : readPrivateKey(keyFile, keyBytes, options.password, problems);
  const crlBytes = readFileIfPresent(crlFile, false, '', problems);

  if (check) {
    for (const ca of cas) checkCa(ca, now, problems);
    for (const extra of chain.slice(1)) checkCa(extra, now, problems);
    if (leaf !== undefined) {
      checkLeaf(leaf, endpoint, now, problems);
      if (cas.length > 0) checkChain(leaf, chain.slice(1), cas, caFile, problems);
      if (key !== undefined && !keyMatches(leaf, key)) {
        problems.error(
          { file: keyFile },
          CertRule.KEY_MISMATCH,
          `does not hold the private key of the certificate in ${certFile} (${leaf.info.subject})`,
        );
      }
    }
    if (crlBytes !== undefined) {
      checkCrls(crlFile, readCrls(crlFile, crlBytes, problems), cas, leaf === undefined ? [] : [leaf], now, problems);
    }
  }
  const dhFile = path(X509_FILES.DH_PARAMS);
  const dhBytes = server ? readFileIfPresent(dhFile, false, '', problems) : undefined;
  const dhparam = dhBytes === undefined ? undefined : readDhParams(dhFile, dhBytes, problems);
  const material: X509Material = {
    ca: cas.map((ca) => ca.pem),
    ...(crlBytes === undefined ? {} : { crl: crlBytes }),
    ...(leaf === undefined ? {} : { cert: chain.map((c) => c.pem).join('\n'), certInfo: leaf.info }),
    ...(key === undefined ? {} : { key: key.export({ type: 'pkcs8', format: 'pem' }).toString() }),
    ...(dhparam === undefined ? {} : { dhparam }),
  };
  if (!problems.hasErrors) checkContext(material, certFile, problems);
  return { material, problems: problems.items };
}

function checkCa(ca: PemCertificate, now: Date, problems: ProblemList): void {
  const { basicConstraints, keyUsage } = ca.info;
  if (basicConstraints === undefined) {
    problems.error(
      ca.place,
      CertRule.CA_BASIC_CONSTRAINTS,
      'has no basic constraints extension, but a CA certificate needs one with CA:TRUE',
    );
  } else if (!basicConstraints.ca) {
    problems.error(ca.place, CertRule.CA_BASIC_CONSTRAINTS, 'basic constraints say CA:FALSE, so it cannot be a CA certificate');
  }
  if (keyUsage !== undefined && !keyUsage.usages.has('keyCertSign')) {
    const note = keyUsage.critical ? '' : ' (the extension is not critical, but OpenSSL enforces it all the same)';
    problems.error(
      ca.place,
      CertRule.CA_KEY_USAGE,
      `key usage (${usageList(keyUsage.usages)}) does not permit certificate signing (keyCertSign)${note}`,
    );
  }
  checkTime(ca, now, problems);
}

const TLS_KEY_USAGES: readonly KeyUsageBit[] = ['digitalSignature', 'keyEncipherment', 'keyAgreement'];

function checkLeaf(leaf: PemCertificate, endpoint: TlsEndpoint, now: Date, problems: ProblemList): void {
  const { basicConstraints, keyUsage, extKeyUsage } = leaf.info;
  if (basicConstraints?.ca === true) {
    problems.error(
      leaf.place,
      CertRule.LEAF_IS_CA,
      `basic constraints show a CA (CA:TRUE), but a TLS ${endpoint} certificate must not be one`,
    );
  }
  if (keyUsage !== undefined) {
    const rsa = leaf.info.x509.publicKey.asymmetricKeyType?.startsWith('rsa') === true;
    const needed: KeyUsageBit[] = rsa ? ['digitalSignature', 'keyEncipherment'] : ['digitalSignature'];
    const missing = needed.filter((usage) => !keyUsage.usages.has(usage));
    const has = `key usage (${usageList(keyUsage.usages)})`;
    if (missing.length > 0 && keyUsage.critical) {
      problems.error(
        leaf.place,
        CertRule.KEY_USAGE,
        `critical ${has} does not permit ${missing.join(' nor ')}, which a TLS ${endpoint} certificate needs`,
      );
    } else if (!TLS_KEY_USAGES.some((usage) => keyUsage.usages.has(usage))) {
      problems.error(
        leaf.place,
        CertRule.KEY_USAGE,
        `${has} permits none of ${TLS_KEY_USAGES.join(', ')}: OpenSSL refuses it for TLS even though the extension is not critical`,
      );
    } else if (missing.length > 0) {
      problems.warning(
        leaf.place,
        CertRule.KEY_USAGE,
        `non-critical ${has} lacks ${missing.join(' and ')}; QEMU and OpenSSL accept that, stricter peers may not`,
      );
    }
  }
  if (extKeyUsage !== undefined) {
    const wanted = endpoint === 'server' ? ExtKeyUsageOid.SERVER_AUTH : ExtKeyUsageOid.CLIENT_AUTH;
    const { purposes } = extKeyUsage;
    if (!purposes.includes(wanted) && !purposes.includes(ExtKeyUsageOid.ANY)) {
      const name = endpoint === 'server' ? 'serverAuth' : 'clientAuth';
      const critical = extKeyUsage.critical ? 'critical ' : '';
      problems.error(
        leaf.place,
        CertRule.KEY_PURPOSE,
        `${critical}extended key usage (${purposeList(purposes)}) does not allow use as a TLS ${endpoint} (no ${name})`,
      );
    }
  }
  checkTime(leaf, now, problems);
}

function checkTime(cert: PemCertificate, now: Date, problems: ProblemList): void {
  const { notBefore, notAfter } = cert.info;
  if (notAfter.getTime() < now.getTime()) {
    problems.error(cert.place, CertRule.EXPIRED, `has expired: it was valid until ${notAfter.toISOString()}`);
  }
  if (notBefore.getTime() > now.getTime()) {
    problems.error(cert.place, CertRule.NOT_YET_VALID, `is not valid yet: it becomes valid at ${notBefore.toISOString()}`);
  }
}

/**
 * Walks from our certificate up through the chain certificates of its file and
 * ca-cert.pem to a self-signed root in ca-cert.pem, as OpenSSL will when the
 * peer checks us (a partial chain to an intermediate is not enough for it).
 */
function checkChain(
  leaf: PemCertificate,
  extras: readonly PemCertificate[],
  cas: readonly PemCertificate[],
  caFile: string,
  problems: ProblemList,
): void {
  const pool = [...cas, ...extras];
  const seen = new Set<PemCertificate>();
  let current = leaf;
  for (;;) {
    seen.add(current);
    if (issuedBy(current, current)) {
      const raw = current.info.x509.raw;
      if (cas.some((ca) => ca.info.x509.raw.equals(raw))) return;
      const what = current === leaf ? 'is self-signed' : `its chain ends at the self-signed ${current.info.subject}`;
      problems.error(leaf.place, CertRule.UNTRUSTED, `${what}, which is not one of the CAs in ${caFile}`);
      return;
    }
    const named = pool.filter((c) => c !== current && sameName(current.info.issuerDer, current.info.issuer, c.info));
    const issuer = named.find((c) => issuedBy(current, c));
    if (issuer === undefined) {
      let text: string;
      if (named.length > 0) {
        text = `its issuer ${current.info.issuer} is in ${caFile}, but the signature of ${current.info.subject} does not verify with that CA's key`;
      } else if (current === leaf) {
        text = `is not signed by any CA in ${caFile} (its issuer ${leaf.info.issuer} is not there)`;
      } else {
        text = `its chain stops at ${current.info.subject}, whose issuer ${current.info.issuer} is not in ${caFile}`;
      }
      problems.error(leaf.place, CertRule.UNTRUSTED, text);
      return;
    }
    if (seen.has(issuer)) {
      problems.error(leaf.place, CertRule.UNTRUSTED, `its chain loops back to ${issuer.info.subject}`);
      return;
    }
    current = issuer;
  }
}

function keyMatches(cert: PemCertificate, key: KeyObject): boolean {
  try {
    return cert.info.x509.checkPrivateKey(key);
  } catch {
    return false; // e.g. an EC key for an RSA certificate
  }
}

function sameName(der: Buffer, text: string, candidate: CertInfo): boolean {
  return der.equals(candidate.subjectDer) || (text !== '' && text === candidate.subject);
}

function issuedBy(cert: PemCertificate, issuer: PemCertificate): boolean {
  if (!sameName(cert.info.issuerDer, cert.info.issuer, issuer.info)) return false;
  try {
    return cert.info.x509.verify(issuer.info.x509.publicKey);
  } catch {
    return false;
  }
}

/** Lets OpenSSL assemble the context once, to catch what it alone refuses (e.g. keys below its security level). */
function checkContext(material: X509Material, certFile: string, problems: ProblemList): void {
  try {
    createSecureContext({
      ca: [...material.ca],
      ...(material.cert === undefined ? {} : { cert: material.cert }),
      ...(material.key === undefined ? {} : { key: material.key }),
      ...(material.crl === undefined ? {} : { crl: material.crl }),
    });
  } catch (error) {
    problems.error({ file: certFile }, CertRule.TLS_CONTEXT, `OpenSSL refuses these credentials: ${errorMessage(error)}`);
  }
}

function usageList(usages: ReadonlySet<KeyUsageBit>): string {
  return usages.size === 0 ? 'none' : [...usages].join(', ');
}

const PURPOSE_NAMES: Readonly<Record<string, string>> = {
  '1.3.6.1.5.5.7.3.1': 'serverAuth',
  '1.3.6.1.5.5.7.3.2': 'clientAuth',
  '1.3.6.1.5.5.7.3.3': 'codeSigning',
  '1.3.6.1.5.5.7.3.4': 'emailProtection',
  '1.3.6.1.5.5.7.3.8': 'timeStamping',
  '1.3.6.1.5.5.7.3.9': 'OCSPSigning',
  '2.5.29.37.0': 'anyExtendedKeyUsage',
};

function purposeList(purposes: readonly string[]): string {
  return purposes.length === 0 ? 'none' : purposes.map((oid) => PURPOSE_NAMES[oid] ?? oid).join(', ');
}
