/**
 * Distinguished names of X.509 certificates, in RFC 4514 order (most specific
 * RDN first; certificates store the reverse).
 *
 * Two sources, which agree on every certificate OpenSSL accepts (tested):
 * - `dnFromCertificate` reads the DER with forge's asn1: exact, attribute types
 *   come as OIDs. Prefer it.
 * - `dnFromX509Subject` parses Node's `X509Certificate.subject` text. OpenSSL
 *   writes it one RDN per line, multi-valued RDNs joined by ` + `, with RFC
 *   4514 escapes for `,+"\<>;`, a leading `#` or space and a trailing space,
 *   and `\XX` for control characters (so a newline in a value is `\0A`). That
 *   is unambiguous, but types are OpenSSL short names (`emailAddress`,
 *   `street`, `GN`, …): ones missing from dn-types.ts do not match their OID.
 */
import { errorMessage } from '../errors';
import { X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { parseDn, type Dn, type DnAttribute, type Rdn } from './dn';
import { attributeTypeForOid } from './dn-types';
import { CryptoError, CryptoErrorCode } from './errors';

/**
 * Node's `X509Certificate.subject` / `.issuer` text → RFC 4514 order. Node
 * gives undefined (despite its typings) for an empty name: that is the empty DN.
 */
export function dnFromX509Subject(subject: string | undefined): Dn {
  if (subject === undefined || subject === '') return [];
  const rdns = subject.split('\n').map((line, index): Rdn => {
    const parsed = parseDn(line);
    const rdn = parsed[0];
    if (parsed.length !== 1 || rdn === undefined) {
      throw new CryptoError(
        CryptoErrorCode.DN_INVALID,
        `X.509 subject line ${index + 1} ${JSON.stringify(line)} should hold exactly one RDN, found ${parsed.length}`,
      );
    }
    return rdn;
  });
  return rdns.reverse();
}

export type CertificateName = 'subject' | 'issuer';

/** The subject (or issuer) DN read from the certificate's DER encoding. */
export function dnFromCertificate(cert: X509Certificate | Uint8Array, name: CertificateName = 'subject'): Dn {
  const der = cert instanceof X509Certificate ? cert.raw : Buffer.from(cert);
  let root: forge.asn1.Asn1;
  try {
    root = forge.asn1.fromDer(forge.util.createBuffer(der.toString('binary')), true);
  } catch (cause) {
    throw fail(`certificate is not valid DER: ${errorMessage(cause)}`, cause);
  }
  const tbs = children(children(root, 'certificate')[0], 'tbsCertificate');
  // The version field [0] is optional (absent means v1); issuer and subject
  // sit after serial number and signature algorithm (and validity).
  const first = tbs[0];
  const offset = first !== undefined && first.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC ? 1 : 0;
  const nameNode = tbs[offset + (name === 'issuer' ? 2 : 4)];
  return children(nameNode, name)
    .map((set, i) => children(set, `${name} RDN ${i}`).map((pair, j) => readAttribute(pair, `${name} RDN ${i}.${j}`)))
    .reverse();
}

function readAttribute(node: forge.asn1.Asn1, where: string): DnAttribute {
  const [typeNode, valueNode] = children(node, where);
  if (typeNode === undefined || valueNode === undefined || typeNode.type !== forge.asn1.Type.OID) {
    throw fail(`${where} is not an (OID, value) pair`);
  }
  const oid = forge.asn1.derToOid(bytesOf(typeNode, where));
  return { type: attributeTypeForOid(oid), value: decodeString(valueNode, `${where} (${oid})`) };
}

// Universal tags of the ASN.1 string types used in names (forge's enum lacks some).
const TAG = {
  UTF8: 12,
  NUMERIC: 18,
  PRINTABLE: 19,
  TELETEX: 20,
  IA5: 22,
  VISIBLE: 26,
  UNIVERSAL: 28,
  BMP: 30,
} as const;

function decodeString(node: forge.asn1.Asn1, where: string): string {
  if (node.tagClass !== forge.asn1.Class.UNIVERSAL || node.constructed) {
    throw fail(`${where} is not a string value`);
  }
  const raw = bytesOf(node, where);
  const bytes = Buffer.from(raw, 'binary');
  try {
    switch (node.type as number) {
      case TAG.UTF8:
        return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
      case TAG.NUMERIC:
      case TAG.PRINTABLE:
      case TAG.IA5:
      case TAG.VISIBLE:
      case TAG.TELETEX: // read as Latin-1, as OpenSSL does
        return bytes.toString('latin1');
      case TAG.BMP:
        return checkUcs2(raw); // forge has already read it as UTF-16 code units
      case TAG.UNIVERSAL:
        return decodeUcs4be(bytes);
      default:
        throw new Error(`unsupported ASN.1 value type (universal tag ${node.type})`);
    }
  } catch (cause) {
    throw fail(`${where}: ${errorMessage(cause)}`, cause);
  }
}

/** BMPString is UCS-2: no surrogates, so no characters beyond U+FFFF (OpenSSL agrees). */
function checkUcs2(text: string): string {
  if (/[\uD800-\uDFFF]/.test(text)) throw new Error('BMPString holds a UTF-16 surrogate, which UCS-2 does not allow');
  return text;
}

function decodeUcs4be(bytes: Buffer): string {
  if (bytes.length % 4 !== 0) throw new Error(`UniversalString length ${bytes.length} is not a multiple of 4`);
  let out = '';
  for (let i = 0; i < bytes.length; i += 4) {
    const code = bytes.readUInt32BE(i);
    if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
      throw new Error(`UniversalString holds an invalid code point 0x${code.toString(16)}`);
    }
    out += String.fromCodePoint(code);
  }
  return out;
}

function children(node: forge.asn1.Asn1 | undefined, where: string): forge.asn1.Asn1[] {
  if (node === undefined || !Array.isArray(node.value)) throw fail(`${where} is missing or not a constructed value`);
  return node.value;
}

function bytesOf(node: forge.asn1.Asn1, where: string): string {
  if (typeof node.value !== 'string') throw fail(`${where} is not a primitive value`);
  return node.value;
}

function fail(reason: string, cause?: unknown): CryptoError {
  return new CryptoError(
    CryptoErrorCode.DN_INVALID,
    `cannot read the DN from the certificate: ${reason}`,
    cause === undefined ? undefined : { cause },
  );
}
