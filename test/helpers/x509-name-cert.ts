/**
 * Self-signed certificates with hand-built subject and issuer names: any
 * ASN.1 string type, multi-valued RDNs, awkward characters. forge's own
 * setSubject() writes one attribute per RDN and PrintableString by default,
 * so the names are assembled with forge's asn1 and the TBS is re-signed.
 */
import { X509Certificate } from 'node:crypto';
import forge from 'node-forge';

/** Universal tags of the ASN.1 string types used in names. */
export const StringTag = {
  UTF8: 12,
  PRINTABLE: 19,
  TELETEX: 20,
  IA5: 22,
  UNIVERSAL: 28,
  BMP: 30,
} as const;
export type StringTag = (typeof StringTag)[keyof typeof StringTag];

export interface NameAttribute {
  readonly oid: string;
  readonly value: string;
  /** Default UTF8String. */
  readonly tag?: StringTag;
}

/** In certificate order (C first, CN last); each inner list is one RDN. */
export type NameSpec = readonly (readonly NameAttribute[])[];

export const Oid = {
  CN: '2.5.4.3',
  SN: '2.5.4.4',
  SERIALNUMBER: '2.5.4.5',
  C: '2.5.4.6',
  L: '2.5.4.7',
  ST: '2.5.4.8',
  STREET: '2.5.4.9',
  O: '2.5.4.10',
  OU: '2.5.4.11',
  TITLE: '2.5.4.12',
  GN: '2.5.4.42',
  DC: '0.9.2342.19200300.100.1.25',
  UID: '0.9.2342.19200300.100.1.1',
  EMAIL: '1.2.840.113549.1.9.1',
} as const;

const { asn1 } = forge;
const SHA256_WITH_RSA = '1.2.840.113549.1.1.11';

function encodeValue(value: string, tag: StringTag): string {
  switch (tag) {
    case StringTag.UTF8:
      return Buffer.from(value, 'utf8').toString('binary');
    case StringTag.BMP:
      return value; // forge writes BMPString values as UTF-16 code units itself
    case StringTag.UNIVERSAL: {
      const codes = Array.from(value, (ch) => ch.codePointAt(0) ?? 0);
      const out = Buffer.alloc(codes.length * 4);
      codes.forEach((code, i) => out.writeUInt32BE(code, i * 4));
      return out.toString('binary');
    }
    default:
      return Buffer.from(value, 'latin1').toString('binary');
  }
}

function nameToAsn1(name: NameSpec): forge.asn1.Asn1 {
  const U = asn1.Class.UNIVERSAL;
  return asn1.create(
    U,
    asn1.Type.SEQUENCE,
    true,
    name.map((rdn) =>
      asn1.create(
        U,
        asn1.Type.SET,
        true,
        rdn.map(({ oid, value, tag = StringTag.UTF8 }) =>
          asn1.create(U, asn1.Type.SEQUENCE, true, [
            asn1.create(U, asn1.Type.OID, false, asn1.oidToDer(oid).getBytes()),
            asn1.create(U, tag as number as forge.asn1.Type, false, encodeValue(value, tag)),
          ]),
        ),
      ),
    ),
  );
}

export interface MakeOptions {
  /** Defaults to the subject (self-issued). */
  readonly issuer?: NameSpec;
  /** Omit the version field: an X.509 v1 certificate. */
  readonly v1?: boolean;
}

export class NameCertFactory {
  readonly #keys = forge.pki.rsa.generateKeyPair(1024);

  make(subject: NameSpec, options: MakeOptions = {}): X509Certificate {
    const cert = forge.pki.createCertificate();
    cert.publicKey = this.#keys.publicKey;
    cert.serialNumber = '01';
    cert.validity.notBefore = new Date(Date.now() - 60_000);
    cert.validity.notAfter = new Date(Date.now() + 86_400_000);
    cert.setSubject([{ shortName: 'CN', value: 'placeholder' }]);
    cert.setIssuer([{ shortName: 'CN', value: 'placeholder' }]);
    cert.sign(this.#keys.privateKey, forge.md.sha256.create());

    const tbs = (forge.pki.certificateToAsn1(cert).value as forge.asn1.Asn1[])[0];
    if (tbs === undefined) throw new Error('forge produced a certificate without a TBSCertificate');
    const fields = tbs.value as forge.asn1.Asn1[];
    // version, serial, signature algorithm, issuer, validity, subject, key, …
    fields[3] = nameToAsn1(options.issuer ?? subject);
    fields[5] = nameToAsn1(subject);
    if (options.v1 === true) fields.splice(0, 1);

    const md = forge.md.sha256.create();
    md.update(asn1.toDer(tbs).getBytes());
    const signature = this.#keys.privateKey.sign(md);
    const U = asn1.Class.UNIVERSAL;
    const certificate = asn1.create(U, asn1.Type.SEQUENCE, true, [
      tbs,
      asn1.create(U, asn1.Type.SEQUENCE, true, [
        asn1.create(U, asn1.Type.OID, false, asn1.oidToDer(SHA256_WITH_RSA).getBytes()),
        asn1.create(U, asn1.Type.NULL, false, ''),
      ]),
      asn1.create(U, asn1.Type.BITSTRING, false, `\0${signature}`),
    ]);
    return new X509Certificate(Buffer.from(asn1.toDer(certificate).getBytes(), 'binary'));
  }
}
