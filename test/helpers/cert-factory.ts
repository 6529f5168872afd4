/**
 * Test PKIs made at test time (no key is ever committed): CAs, server and
 * client certificates with any extension set, validity in the past or future,
 * encrypted keys, CRLs and DH parameters, written in QEMU's tls-creds-x509
 * layout. RSA 1024 keeps it fast; make a PKI once per test file (beforeAll).
 * Real clients built on the system's OpenSSL or GnuTLS (Debian: security
 * level 2) refuse 1024-bit keys ("ee key too small"): give them
 * `makePki({ keyBits: 2048 })`.
 *
 *   const pki = makePki();                         // root CA, server (localhost), client
 *   const other = makeCa({ cn: 'Other CA' });      // an unrelated CA
 *   const rogue = other.issue('client', { cn: 'mallory' });
 *   writePki(dir, { cas: [pki.ca], client: rogue });
 */
import { X509Certificate, createPrivateKey, generateKeyPairSync, getDiffieHellman } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';

export type CertRole = 'ca' | 'server' | 'client';
export type KeyUsageName =
  | 'digitalSignature'
  | 'nonRepudiation'
  | 'keyEncipherment'
  | 'dataEncipherment'
  | 'keyAgreement'
  | 'keyCertSign'
  | 'cRLSign';
export type PurposeName = 'serverAuth' | 'clientAuth' | 'codeSigning' | 'emailProtection' | 'anyExtendedKeyUsage';

export interface CertSpec {
  /** Common name; the subject is `C=GB, O=<o>, CN=<cn>` in certificate order (RFC 4514: `CN=…,O=…,C=GB`). */
  readonly cn?: string;
  readonly o?: string;
  /** null leaves the extension out. */
  readonly basicConstraints?: { readonly ca: boolean; readonly critical?: boolean } | null;
  readonly keyUsage?: { readonly usages: readonly KeyUsageName[]; readonly critical?: boolean } | null;
  readonly extKeyUsage?: { readonly purposes: readonly PurposeName[]; readonly critical?: boolean } | null;
  /** Subject alternative names (default for servers: localhost, 127.0.0.1, ::1). */
  readonly dns?: readonly string[];
  readonly ips?: readonly string[];
  readonly notBefore?: Date;
  readonly notAfter?: Date;
  /** Shortcuts for the validity: expired yesterday, or valid from tomorrow. */
  readonly validity?: 'good' | 'expired' | 'future';
  readonly keyBits?: number;
}

const DAY = 86_400_000;
let serialCounter = 0x1000;

export class TestCert {
  readonly x509: X509Certificate;

  constructor(
    readonly certPem: string,
    readonly keyPem: string,
    /** The serial number, upper-case hex. */
    readonly serial: string,
    readonly subject: string,
  ) {
    this.x509 = new X509Certificate(certPem);
  }

  /** The key as encrypted PKCS#8 (AES-256-CBC) under `password`. */
  encryptedKeyPem(password: string): string {
    return createPrivateKey(this.keyPem)
      .export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: password })
      .toString();
  }
}

/** A CA that can issue certificates (and CRLs). */
export class TestCa extends TestCert {
  /** @internal */
  constructor(
    cert: TestCert,
    private readonly forgeCert: forge.pki.Certificate,
    private readonly forgeKey: forge.pki.rsa.PrivateKey,
  ) {
    super(cert.certPem, cert.keyPem, cert.serial, cert.subject);
  }

  /** Issues a certificate of `role` with that role's usual extensions, changed by `spec`. */
  issue(role: CertRole, spec: CertSpec = {}): TestCert {
    return role === 'ca' ? this.issueCa(spec) : build(role, spec, { cert: this.forgeCert, key: this.forgeKey }).cert;
  }

  /** An intermediate CA under this one. */
  issueCa(spec: CertSpec = {}): TestCa {
    const made = build('ca', spec, { cert: this.forgeCert, key: this.forgeKey });
    return new TestCa(made.cert, made.forgeCert, made.forgeKey);
  }

  /** A CRL (PEM) signed by this CA that lists `revoked`. */
  crl(options: { readonly revoked?: readonly TestCert[]; readonly thisUpdate?: Date; readonly nextUpdate?: Date } = {}): string {
    const { asn1 } = forge;
    const U = asn1.Class.UNIVERSAL;
    const time = (date: Date): forge.asn1.Asn1 => asn1.create(U, asn1.Type.UTCTIME, false, asn1.dateToUtcTime(date));
    const algorithm = asn1.create(U, asn1.Type.SEQUENCE, true, [
      asn1.create(U, asn1.Type.OID, false, asn1.oidToDer('1.2.840.113549.1.1.11').getBytes()),
      asn1.create(U, asn1.Type.NULL, false, ''),
    ]);
    const now = Date.now();
    const entries = (options.revoked ?? []).map((cert) =>
      asn1.create(U, asn1.Type.SEQUENCE, true, [
        asn1.create(U, asn1.Type.INTEGER, false, forge.util.hexToBytes(evenHex(cert.serial))),
        time(new Date(now - 60_000)),
      ]),
    );
    const tbs = asn1.create(U, asn1.Type.SEQUENCE, true, [
      asn1.create(U, asn1.Type.INTEGER, false, asn1.integerToDer(1).getBytes()),
      algorithm,
      forge.pki.distinguishedNameToAsn1(this.forgeCert.subject),
      time(options.thisUpdate ?? new Date(now - 60_000)),
      time(options.nextUpdate ?? new Date(now + DAY)),
      ...(entries.length > 0 ? [asn1.create(U, asn1.Type.SEQUENCE, true, entries)] : []),
    ]);
    const md = forge.md.sha256.create();
    md.update(asn1.toDer(tbs).getBytes());
    const signature = this.forgeKey.sign(md);
    const crl = asn1.create(U, asn1.Type.SEQUENCE, true, [
      tbs,
      algorithm,
      asn1.create(U, asn1.Type.BITSTRING, false, `\0${signature}`),
    ]);
    const der = Buffer.from(asn1.toDer(crl).getBytes(), 'binary');
    return `-----BEGIN X509 CRL-----\n${der.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END X509 CRL-----\n`;
  }
}

/** A self-signed root CA (basic constraints CA:TRUE critical, key usage keyCertSign + cRLSign critical by default). */
export function makeCa(spec: CertSpec = {}): TestCa {
  const made = build('ca', { cn: 'vncd Test CA', ...spec }, undefined);
  return new TestCa(made.cert, made.forgeCert, made.forgeKey);
}

interface Built {
  readonly cert: TestCert;
  readonly forgeCert: forge.pki.Certificate;
  readonly forgeKey: forge.pki.rsa.PrivateKey;
}

const DEFAULT_CN: Readonly<Record<CertRole, string>> = { ca: 'vncd Test Intermediate CA', server: 'localhost', client: 'vnc-test-client' };

function build(role: CertRole, spec: CertSpec, issuer: { cert: forge.pki.Certificate; key: forge.pki.rsa.PrivateKey } | undefined): Built {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: spec.keyBits ?? 1024 });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const forgeKey = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e);
  const serial = evenHex((++serialCounter).toString(16).toUpperCase());
  cert.serialNumber = serial;
  const now = Date.now();
  const validity = spec.validity ?? 'good';
  const from = validity === 'expired' ? now - 10 * DAY : validity === 'future' ? now + DAY : now - 60_000;
  const to = validity === 'expired' ? now - DAY : validity === 'future' ? now + 10 * DAY : now + 30 * DAY;
  cert.validity.notBefore = spec.notBefore ?? new Date(from);
  cert.validity.notAfter = spec.notAfter ?? new Date(to);
  const cn = spec.cn ?? DEFAULT_CN[role];
  const subject = [
    { shortName: 'C', value: 'GB' },
    { shortName: 'O', value: spec.o ?? 'vncd test' },
    { shortName: 'CN', value: cn },
  ];
  cert.setSubject(subject);
  cert.setIssuer(issuer === undefined ? subject : issuer.cert.subject.attributes);
  cert.setExtensions(extensions(role, spec, issuer?.cert));
  cert.sign(issuer?.key ?? forgeKey, forge.md.sha256.create());
  const certPem = forge.pki.certificateToPem(cert);
  const rfc4514 = `CN=${cn},O=${spec.o ?? 'vncd test'},C=GB`;
  return { cert: new TestCert(certPem, keyPem, serial.replace(/^0+/, ''), rfc4514), forgeCert: cert, forgeKey };
}

function extensions(role: CertRole, spec: CertSpec, issuer: forge.pki.Certificate | undefined): object[] {
  const out: object[] = [];
  const bc = spec.basicConstraints === undefined ? { ca: role === 'ca', critical: true } : spec.basicConstraints;
  if (bc !== null) out.push({ name: 'basicConstraints', cA: bc.ca, critical: bc.critical ?? false });
  const defaultUsages: readonly KeyUsageName[] =
    role === 'ca' ? ['keyCertSign', 'cRLSign'] : ['digitalSignature', 'keyEncipherment'];
  const ku = spec.keyUsage === undefined ? { usages: defaultUsages, critical: true } : spec.keyUsage;
  if (ku !== null) {
    const flags = Object.fromEntries(ku.usages.map((usage) => [usage, true]));
    out.push({ name: 'keyUsage', critical: ku.critical ?? false, ...flags });
  }
  const defaultPurposes: readonly PurposeName[] = role === 'server' ? ['serverAuth'] : role === 'client' ? ['clientAuth'] : [];
  const eku = spec.extKeyUsage === undefined ? (role === 'ca' ? null : { purposes: defaultPurposes }) : spec.extKeyUsage;
  if (eku !== null) out.push(extKeyUsage(eku.purposes, eku.critical ?? false));
  const dns = spec.dns ?? (role === 'server' ? ['localhost'] : []);
  const ips = spec.ips ?? (role === 'server' ? ['127.0.0.1', '::1'] : []);
  if (dns.length + ips.length > 0) {
    out.push({
      name: 'subjectAltName',
      altNames: [...dns.map((value) => ({ type: 2, value })), ...ips.map((ip) => ({ type: 7, ip }))],
    });
  }
  out.push({ name: 'subjectKeyIdentifier' });
  if (issuer !== undefined) {
    out.push({ name: 'authorityKeyIdentifier', keyIdentifier: issuer.generateSubjectKeyIdentifier().getBytes() });
  }
  return out;
}

const PURPOSE_OIDS: Readonly<Record<PurposeName, string>> = {
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  codeSigning: '1.3.6.1.5.5.7.3.3',
  emailProtection: '1.3.6.1.5.5.7.3.4',
  anyExtendedKeyUsage: '2.5.29.37.0',
};

/** Built by hand: forge's own extKeyUsage cannot write anyExtendedKeyUsage. */
function extKeyUsage(purposes: readonly PurposeName[], critical: boolean): object {
  const { asn1 } = forge;
  const U = asn1.Class.UNIVERSAL;
  const value = asn1.create(
    U,
    asn1.Type.SEQUENCE,
    true,
    purposes.map((name) => asn1.create(U, asn1.Type.OID, false, asn1.oidToDer(PURPOSE_OIDS[name]).getBytes())),
  );
  return { id: '2.5.29.37', critical, value };
}

function evenHex(hex: string): string {
  const padded = hex.length % 2 === 0 ? hex : `0${hex}`;
  // A leading bit set would make the INTEGER negative.
  return /^[89A-Fa-f]/.test(padded) ? `00${padded}` : padded;
}

/** DH parameters (PEM) from a well-known MODP group: modp14 is 2048 bits, modp2 1024, modp1 768. */
export function dhParamsPem(group: 'modp1' | 'modp2' | 'modp14' = 'modp14'): string {
  const dh = getDiffieHellman(group);
  const { asn1 } = forge;
  const U = asn1.Class.UNIVERSAL;
  const integer = (bytes: Buffer): forge.asn1.Asn1 =>
    asn1.create(U, asn1.Type.INTEGER, false, ((bytes[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.of(0), bytes]) : bytes).toString('binary'));
  const der = asn1.toDer(asn1.create(U, asn1.Type.SEQUENCE, true, [integer(dh.getPrime()), integer(dh.getGenerator())]));
  const base64 = Buffer.from(der.getBytes(), 'binary').toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN DH PARAMETERS-----\n${base64}\n-----END DH PARAMETERS-----\n`;
}

/** What to write into a credentials directory. */
export interface PkiFiles {
  /** ca-cert.pem: these CAs in order (a root and its intermediates, or several roots). */
  readonly cas?: readonly TestCert[];
  /** server-cert.pem + server-key.pem. */
  readonly server?: TestCert;
  readonly client?: TestCert;
  /** Certificates appended to server-cert.pem / client-cert.pem after the leaf (a chain). */
  readonly chain?: readonly TestCert[];
  /** Write this key instead of the certificate's own (a mismatch). */
  readonly serverKeyPem?: string;
  readonly clientKeyPem?: string;
  /** Encrypt the written keys with this password. */
  readonly keyPassword?: string;
  /** ca-crl.pem contents. */
  readonly crl?: string;
  /** dh-params.pem contents. */
  readonly dhParams?: string;
}

export interface PkiPaths {
  readonly dir: string;
  readonly caCert: string;
  readonly caCrl: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
  readonly dhParams: string;
}

export function pkiPaths(dir: string): PkiPaths {
  return {
    dir,
    caCert: join(dir, 'ca-cert.pem'),
    caCrl: join(dir, 'ca-crl.pem'),
    serverCert: join(dir, 'server-cert.pem'),
    serverKey: join(dir, 'server-key.pem'),
    clientCert: join(dir, 'client-cert.pem'),
    clientKey: join(dir, 'client-key.pem'),
    dhParams: join(dir, 'dh-params.pem'),
  };
}

/** Writes the files into `dir` (which must exist) in QEMU's layout; keys are written mode 0600. */
export function writePki(dir: string, files: PkiFiles): PkiPaths {
  const paths = pkiPaths(dir);
  const chain = (files.chain ?? []).map((c) => c.certPem).join('');
  const key = (pem: string, cert: TestCert): string =>
    files.keyPassword === undefined ? pem : new TestCert(cert.certPem, pem, cert.serial, cert.subject).encryptedKeyPem(files.keyPassword);
  if (files.cas !== undefined) writeFileSync(paths.caCert, files.cas.map((c) => c.certPem).join(''));
  if (files.server !== undefined) {
    writeFileSync(paths.serverCert, files.server.certPem + chain);
    writeFileSync(paths.serverKey, key(files.serverKeyPem ?? files.server.keyPem, files.server), { mode: 0o600 });
  }
  if (files.client !== undefined) {
    writeFileSync(paths.clientCert, files.client.certPem + chain);
    writeFileSync(paths.clientKey, key(files.clientKeyPem ?? files.client.keyPem, files.client), { mode: 0o600 });
  }
  if (files.crl !== undefined) writeFileSync(paths.caCrl, files.crl);
  if (files.dhParams !== undefined) writeFileSync(paths.dhParams, files.dhParams);
  return paths;
}

export function makeTempDir(prefix = 'vncd-pki-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Temporary directories made by one test file: `removeAll()` (in afterAll) deletes them. */
export class TempDirs {
  private readonly dirs: string[] = [];

  make(prefix?: string): string {
    const dir = makeTempDir(prefix);
    this.dirs.push(dir);
    return dir;
  }

  removeAll(): void {
    for (const dir of this.dirs.splice(0)) removeDir(dir);
  }
}

/** The subjects of makePki's default server and client certificates, as RFC 4514 text (what a TLS peer DN reads). */
export const SERVER_DN = 'CN=localhost,O=vncd test,C=GB';
export const CLIENT_DN = 'CN=vnc-test-client,O=vncd test,C=GB';

export interface PkiOptions {
  /** Default: a new temporary directory (remove it with `cleanup()`). */
  readonly dir?: string;
  /** Default: a new root CA. */
  readonly ca?: TestCa;
  /** The server certificate's spec, or false for none. Default: CN=localhost with SANs localhost, 127.0.0.1, ::1. */
  readonly server?: CertSpec | false;
  /** The client certificate's spec, or false for none. Default: CN=vnc-test-client. */
  readonly client?: CertSpec | false;
  readonly keyPassword?: string;
  /** Write dh-params.pem (2048-bit MODP group 14). */
  readonly dhParams?: boolean;
  /** RSA key size of the new CA and of both certificates (unless their spec says otherwise). Default 1024. */
  readonly keyBits?: number;
}

export interface Pki extends PkiPaths {
  readonly ca: TestCa;
  readonly server?: TestCert;
  readonly client?: TestCert;
  /** Removes the directory if makePki created it. */
  cleanup(): void;
}

/** A good PKI in one directory: serves both endpoints (each reads its own files). */
export function makePki(options: PkiOptions = {}): Pki {
  const dir = options.dir ?? makeTempDir();
  const bits = options.keyBits === undefined ? {} : { keyBits: options.keyBits };
  const ca = options.ca ?? makeCa(bits);
  const server = options.server === false ? undefined : ca.issue('server', { ...bits, ...options.server });
  const client = options.client === false ? undefined : ca.issue('client', { ...bits, ...options.client });
  const paths = writePki(dir, {
    cas: [ca],
    ...(server === undefined ? {} : { server }),
    ...(client === undefined ? {} : { client }),
    ...(options.keyPassword === undefined ? {} : { keyPassword: options.keyPassword }),
    ...(options.dhParams === true ? { dhParams: dhParamsPem() } : {}),
  });
  return {
    ...paths,
    ca,
    ...(server === undefined ? {} : { server }),
    ...(client === undefined ? {} : { client }),
    cleanup: () => {
      if (options.dir === undefined) removeDir(dir);
    },
  };
}
