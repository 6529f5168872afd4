/**
 * The facts of one X.509 certificate that the sanity checks need, read from
 * its DER: Node's X509Certificate gives the CA flag but cannot tell "CA:FALSE"
 * from "no basic constraints", and gives neither key-usage bits nor any
 * extension's criticality.
 */
import type { X509Certificate } from 'node:crypto';
import { formatDn } from './dn';
import { dnFromCertificate } from './dn-x509';
import {
  DerTag,
  contextTag,
  derBits,
  derBoolean,
  derChildren,
  derIntegerHex,
  derOid,
  derTime,
  expectTag,
  readDerExact,
  type DerNode,
} from './tls-der';

/** Key usage bits in RFC 5280 order (bit 0 first). */
export const KEY_USAGE_BITS = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
] as const;
export type KeyUsageBit = (typeof KEY_USAGE_BITS)[number];

export const ExtKeyUsageOid = {
  SERVER_AUTH: '1.3.6.1.5.5.7.3.1',
  CLIENT_AUTH: '1.3.6.1.5.5.7.3.2',
  ANY: '2.5.29.37.0',
} as const;

const ExtensionOid = {
  KEY_USAGE: '2.5.29.15',
  BASIC_CONSTRAINTS: '2.5.29.19',
  EXT_KEY_USAGE: '2.5.29.37',
} as const;

export interface BasicConstraintsInfo {
  readonly ca: boolean;
  readonly critical: boolean;
}

export interface KeyUsageInfo {
  readonly usages: ReadonlySet<KeyUsageBit>;
  readonly critical: boolean;
}

export interface ExtKeyUsageInfo {
  /** Purpose OIDs, e.g. `ExtKeyUsageOid.SERVER_AUTH`. */
  readonly purposes: readonly string[];
  readonly critical: boolean;
}

export interface CertInfo {
  readonly x509: X509Certificate;
  /** RFC 4514, for messages. */
  readonly subject: string;
  readonly issuer: string;
  /** The encoded names, compared byte for byte to find issuers and CRLs. */
  readonly subjectDer: Buffer;
  readonly issuerDer: Buffer;
  /** Upper-case hex without leading zeros. */
  readonly serial: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** Absent when the certificate has no such extension. */
  readonly basicConstraints?: BasicConstraintsInfo;
  readonly keyUsage?: KeyUsageInfo;
  readonly extKeyUsage?: ExtKeyUsageInfo;
}

/** Throws a DerError (or a CryptoError for an unreadable name) when the DER is malformed. */
export function readCertInfo(x509: X509Certificate): CertInfo {
  const cert = derChildren(readDerExact(x509.raw, 'certificate'), 'certificate');
  const tbs = derChildren(expectTag(cert[0], DerTag.SEQUENCE, 'TBSCertificate'), 'TBSCertificate');
  // version [0] is optional (v1 certificates omit it).
  let i = tbs[0]?.tag === contextTag(0) ? 1 : 0;
  const serial = derIntegerHex(tbs[i++], 'serial number');
  i++; // signature algorithm
  const issuerDer = expectTag(tbs[i++], DerTag.SEQUENCE, 'issuer').raw;
  const validity = derChildren(expectTag(tbs[i++], DerTag.SEQUENCE, 'validity'), 'validity');
  const subjectDer = expectTag(tbs[i++], DerTag.SEQUENCE, 'subject').raw;
  const extensions = tbs.slice(i).find((node) => node.tag === contextTag(3));
  const info: {
    -readonly [K in keyof CertInfo]: CertInfo[K];
  } = {
    x509,
    subject: nameText(x509, 'subject'),
    issuer: nameText(x509, 'issuer'),
    subjectDer,
    issuerDer,
    serial,
    notBefore: derTime(validity[0], 'notBefore'),
    notAfter: derTime(validity[1], 'notAfter'),
  };
  if (extensions !== undefined) readExtensions(extensions, info);
  return info;
}

function readExtensions(wrapper: DerNode, info: { -readonly [K in keyof CertInfo]: CertInfo[K] }): void {
  const [list] = derChildren(wrapper, 'extensions');
  for (const extension of derChildren(expectTag(list, DerTag.SEQUENCE, 'extensions'), 'extensions')) {
    const fields = derChildren(extension, 'extension');
    const oid = derOid(fields[0], 'extension id');
    const hasCritical = fields[1]?.tag === DerTag.BOOLEAN;
    const critical = hasCritical ? derBoolean(fields[1], `extension ${oid} critical flag`) : false;
    const valueNode = expectTag(fields[hasCritical ? 2 : 1], DerTag.OCTET_STRING, `extension ${oid} value`);
    const value = readDerExact(valueNode.content, `extension ${oid}`);
    switch (oid) {
      case ExtensionOid.BASIC_CONSTRAINTS: {
        const parts = derChildren(expectTag(value, DerTag.SEQUENCE, 'basic constraints'), 'basic constraints');
        const ca = parts[0]?.tag === DerTag.BOOLEAN ? derBoolean(parts[0], 'basic constraints cA') : false;
        info.basicConstraints = { ca, critical };
        break;
      }
      case ExtensionOid.KEY_USAGE: {
        const bits = derBits(value, 'key usage');
        const usages = new Set<KeyUsageBit>(KEY_USAGE_BITS.filter((_, bit) => bits[bit] === true));
        info.keyUsage = { usages, critical };
        break;
      }
      case ExtensionOid.EXT_KEY_USAGE: {
        const oids = derChildren(expectTag(value, DerTag.SEQUENCE, 'extended key usage'), 'extended key usage');
        info.extKeyUsage = { purposes: oids.map((node) => derOid(node, 'key purpose')), critical };
        break;
      }
      default:
        break;
    }
  }
}

/** RFC 4514 text of a name; OpenSSL's own one-line form if our reader refuses it. */
function nameText(x509: X509Certificate, which: 'subject' | 'issuer'): string {
  try {
    return formatDn(dnFromCertificate(x509, which));
  } catch {
    const text: string | undefined = x509[which];
    return (text ?? '').split('\n').reverse().join(',');
  }
}

/** How a certificate is named in messages: its subject, or a placeholder for an empty one. */
export function certLabel(info: Pick<CertInfo, 'subject'>): string {
  return info.subject === '' ? '(empty subject)' : info.subject;
}
