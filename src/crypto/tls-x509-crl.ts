/**
 * ca-crl.pem: read each CRL and check what would make OpenSSL refuse peers or
 * our own certificate: an unknown issuer, a bad signature, a CRL out of its
 * time window, a CA without any CRL, our own certificate revoked.
 */
import { errorMessage } from '../errors';
import { verify as verifySignature } from 'node:crypto';
import {
  DerTag,
  derBitStringBytes,
  derChildren,
  derIntegerHex,
  derOid,
  derTime,
  expectTag,
  isTime,
  readDerExact,
} from './tls-der';
import type { PemCertificate } from './tls-x509-files';
import { CertRule, type ProblemList } from './tls-x509-problems';

export interface CrlInfo {
  readonly index: number;
  readonly issuerDer: Buffer;
  readonly thisUpdate: Date;
  readonly nextUpdate?: Date;
  /** Revoked serial numbers, upper-case hex without leading zeros. */
  readonly revoked: ReadonlySet<string>;
  readonly tbs: Buffer;
  readonly signatureAlgorithm: string;
  readonly signature: Buffer;
}

const PEM_CRL = /-----BEGIN X509 CRL-----([^-]+)-----END X509 CRL-----/g;

export function readCrls(path: string, bytes: Buffer, problems: ProblemList): CrlInfo[] {
  const blocks = [...bytes.toString('latin1').matchAll(PEM_CRL)];
  if (blocks.length === 0) {
    problems.error({ file: path }, CertRule.CRL_INVALID, 'holds no PEM CRL (-----BEGIN X509 CRL-----)');
    return [];
  }
  const out: CrlInfo[] = [];
  blocks.forEach((block, i) => {
    try {
      out.push(parseCrl(Buffer.from(block[1] ?? '', 'base64'), i + 1));
    } catch (error) {
      const which = blocks.length > 1 ? `CRL #${i + 1}` : 'the CRL';
      problems.error({ file: path }, CertRule.CRL_INVALID, `${which} cannot be parsed: ${errorMessage(error)}`);
    }
  });
  return out;
}

function parseCrl(der: Buffer, index: number): CrlInfo {
  const [tbsNode, algorithm, signature] = derChildren(readDerExact(der, 'CRL'), 'CRL');
  const tbsSequence = expectTag(tbsNode, DerTag.SEQUENCE, 'TBSCertList');
  const tbs = derChildren(tbsSequence, 'TBSCertList');
  let i = tbs[0]?.tag === DerTag.INTEGER ? 1 : 0; // optional version
  i++; // signature algorithm
  const issuerDer = expectTag(tbs[i++], DerTag.SEQUENCE, 'CRL issuer').raw;
  const thisUpdate = derTime(tbs[i++], 'thisUpdate');
  const nextUpdate = isTime(tbs[i]) ? derTime(tbs[i++], 'nextUpdate') : undefined;
  const revoked = new Set<string>();
  const list = tbs[i];
  if (list !== undefined && list.tag === DerTag.SEQUENCE) {
    for (const entry of derChildren(list, 'revoked certificates')) {
      revoked.add(derIntegerHex(derChildren(entry, 'revoked certificate')[0], 'revoked serial number'));
    }
  }
  const algorithmOid = derOid(derChildren(expectTag(algorithm, DerTag.SEQUENCE, 'CRL algorithm'), 'CRL algorithm')[0], 'CRL algorithm');
  return {
    index,
    issuerDer,
    thisUpdate,
    ...(nextUpdate === undefined ? {} : { nextUpdate }),
    revoked,
    tbs: tbsSequence.raw,
    signatureAlgorithm: algorithmOid,
    signature: derBitStringBytes(signature, 'CRL signature'),
  };
}

/** Signature algorithm OIDs → the digest Node's verify() wants (null: the key type implies it). */
const SIGNATURE_DIGESTS: Readonly<Record<string, string | null>> = {
  '1.2.840.113549.1.1.5': 'sha1',
  '1.2.840.113549.1.1.14': 'sha224',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.1': 'sha1',
  '1.2.840.10045.4.3.1': 'sha224',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
  '1.3.101.112': null,
  '1.3.101.113': null,
};

/**
 * Checks the CRLs against the CAs (every CA needs one: OpenSSL checks the
 * whole chain once a CRL file is given) and our own certificates.
 */
export function checkCrls(
  path: string,
  crls: readonly CrlInfo[],
  cas: readonly PemCertificate[],
  own: readonly PemCertificate[],
  now: Date,
  problems: ProblemList,
): void {
  const which = (crl: CrlInfo): string => (crls.length > 1 ? `CRL #${crl.index}` : 'the CRL');
  for (const crl of crls) {
    const issuers = cas.filter((ca) => ca.info.subjectDer.equals(crl.issuerDer));
    if (issuers.length === 0) {
      problems.error({ file: path }, CertRule.CRL_INVALID, `${which(crl)} is issued by a CA that is not in ca-cert.pem`);
      continue;
    }
    const digest = SIGNATURE_DIGESTS[crl.signatureAlgorithm];
    if (digest !== undefined && !issuers.some((ca) => signedBy(crl, digest, ca))) {
      const name = issuers[0]?.info.subject ?? '';
      problems.error(
        { file: path },
        CertRule.CRL_INVALID,
        `the signature of ${which(crl)} (issuer ${name}) does not verify with that CA's key`,
      );
    }
    if (crl.thisUpdate.getTime() > now.getTime()) {
      problems.error({ file: path }, CertRule.CRL_TIME, `${which(crl)} is not valid before ${crl.thisUpdate.toISOString()}`);
    }
    if (crl.nextUpdate !== undefined && crl.nextUpdate.getTime() < now.getTime()) {
      problems.error(
        { file: path },
        CertRule.CRL_TIME,
        `${which(crl)} expired at ${crl.nextUpdate.toISOString()} (its nextUpdate): OpenSSL refuses peer certificates while it is stale`,
      );
    }
  }
  for (const ca of cas) {
    if (!crls.some((crl) => crl.issuerDer.equals(ca.info.subjectDer))) {
      problems.warning(
        { file: path },
        CertRule.CRL_MISSING,
        `holds no CRL from the CA ${ca.info.subject}: with a CRL file OpenSSL refuses peer certificates issued under that CA (UNABLE_TO_GET_CRL)`,
      );
    }
  }
  for (const cert of own) {
    const revoked = crls.some((crl) => crl.issuerDer.equals(cert.info.issuerDer) && crl.revoked.has(cert.info.serial));
    if (revoked) {
      problems.error(cert.place, CertRule.REVOKED, `is revoked: its serial number ${cert.info.serial} is listed in ${path}`);
    }
  }
}

function signedBy(crl: CrlInfo, digest: string | null, ca: PemCertificate): boolean {
  try {
    return verifySignature(digest, crl.tbs, ca.info.x509.publicKey, crl.signature);
  } catch {
    return false;
  }
}
