/**
 * Reading a tls-creds-x509 directory in QEMU's layout: which files, PEM
 * bundles split into certificates, private keys (possibly encrypted). Every
 * failure becomes a problem naming the file; nothing here throws.
 */
import { errorMessage } from '../errors';
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { DerTag, derChildren, expectTag, readDerExact } from './tls-der';
import { readCertInfo, type CertInfo } from './tls-x509-info';
import { CertRule, type ProblemList, type ProblemPlace } from './tls-x509-problems';

/** The file names QEMU's tls-creds-x509 looks for in its `dir`. */
export const X509_FILES = {
  CA_CERT: 'ca-cert.pem',
  CA_CRL: 'ca-crl.pem',
  SERVER_CERT: 'server-cert.pem',
  SERVER_KEY: 'server-key.pem',
  CLIENT_CERT: 'client-cert.pem',
  CLIENT_KEY: 'client-key.pem',
  DH_PARAMS: 'dh-params.pem',
} as const;

/** A private key's password: the text, or a function asked at every (re)load, e.g. reading a Secret. */
export type KeyPassword = string | Uint8Array | (() => string | Uint8Array);

/** One certificate of a PEM file. */
export interface PemCertificate {
  readonly pem: string;
  readonly info: CertInfo;
  readonly place: ProblemPlace & { readonly index: number; readonly subject: string };
}

/**
 * The file's bytes; undefined when absent (a problem only if `required`) or
 * unreadable (always a problem).
 */
export function readFileIfPresent(
  path: string,
  required: boolean,
  why: string,
  problems: ProblemList,
): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ENOENT') {
      if (required) problems.error({ file: path }, CertRule.FILE_MISSING, `is missing: ${why}`);
    } else {
      problems.error({ file: path }, CertRule.FILE_UNREADABLE, `cannot be read: ${errorMessage(error)}`);
    }
    return undefined;
  }
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g;

/** Every certificate of a PEM file, in file order; an empty list when none could be read. */
export function readCertificates(path: string, bytes: Buffer, problems: ProblemList): PemCertificate[] {
  const blocks = bytes.toString('latin1').match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) {
    problems.error({ file: path }, CertRule.PEM_INVALID, 'holds no PEM certificate (-----BEGIN CERTIFICATE-----)');
    return [];
  }
  const out: PemCertificate[] = [];
  blocks.forEach((pem, i) => {
    const index = i + 1;
    try {
      const info = readCertInfo(new X509Certificate(pem));
      out.push({ pem, info, place: { file: path, index, count: blocks.length, subject: info.subject } });
    } catch (error) {
      const which = blocks.length > 1 ? `certificate #${index}` : 'the certificate';
      problems.error({ file: path }, CertRule.PEM_INVALID, `${which} cannot be parsed: ${errorMessage(error)}`);
    }
  });
  return out;
}

const ENCRYPTED_PEM = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type:\s*4,ENCRYPTED/;

/** The private key of a PEM file, decrypted with the password when it is encrypted. */
export function readPrivateKey(
  path: string,
  bytes: Buffer,
  password: KeyPassword | undefined,
  problems: ProblemList,
): KeyObject | undefined {
  const text = bytes.toString('latin1');
  const encrypted = ENCRYPTED_PEM.test(text);
  if (encrypted && password === undefined) {
    problems.error(
      { file: path },
      CertRule.KEY_PASSWORD,
      'is an encrypted private key, and no password was given for it (passwordid)',
    );
    return undefined;
  }
  let passphrase: string | Buffer | undefined;
  if (encrypted && password !== undefined) {
    try {
      const value = typeof password === 'function' ? password() : password;
      passphrase = typeof value === 'string' ? value : Buffer.from(value);
    } catch (error) {
      problems.error({ file: path }, CertRule.KEY_PASSWORD, `its password could not be obtained: ${errorMessage(error)}`);
      return undefined;
    }
  }
  try {
    return createPrivateKey(passphrase === undefined ? { key: text, format: 'pem' } : { key: text, format: 'pem', passphrase });
  } catch (error) {
    if (encrypted) {
      problems.error(
        { file: path },
        CertRule.KEY_PASSWORD,
        `is an encrypted private key that the given password does not decrypt (${errorMessage(error)})`,
      );
    } else {
      problems.error({ file: path }, CertRule.KEY_UNREADABLE, `holds no readable PEM private key (${errorMessage(error)})`);
    }
    return undefined;
  }
}

const PEM_DH = /-----BEGIN (X9\.42 )?DH PARAMETERS-----([^-]+)-----END (X9\.42 )?DH PARAMETERS-----/;

/**
 * dh-params.pem, checked as Node will not: it silently ignores a file that is
 * not DH parameters. Below 1024 bits Node refuses them; below 2048 it warns.
 */
export function readDhParams(path: string, bytes: Buffer, problems: ProblemList): Buffer | undefined {
  const block = PEM_DH.exec(bytes.toString('latin1'));
  if (block === null) {
    problems.error({ file: path }, CertRule.DH_PARAMS, 'holds no PEM DH parameters (-----BEGIN DH PARAMETERS-----)');
    return undefined;
  }
  let bits: number;
  try {
    const der = Buffer.from(block[2] ?? '', 'base64');
    const [prime] = derChildren(readDerExact(der, 'DH parameters'), 'DH parameters');
    const p = expectTag(prime, DerTag.INTEGER, 'DH prime').content;
    const top = p.findIndex((byte) => byte !== 0);
    bits = top < 0 ? 0 : (p.length - top) * 8 - Math.clz32(p[top] ?? 0) + 24;
  } catch (error) {
    problems.error({ file: path }, CertRule.DH_PARAMS, `the DH parameters cannot be parsed: ${errorMessage(error)}`);
    return undefined;
  }
  if (bits < 1024) {
    problems.error({ file: path }, CertRule.DH_PARAMS, `the DH prime has ${bits} bits; at least 1024 are needed (2048 advised)`);
    return undefined;
  }
  if (bits < 2048) {
    problems.warning({ file: path }, CertRule.DH_PARAMS, `the DH prime has only ${bits} bits; 2048 or more are advised`);
  }
  try {
    createSecureContext({ dhparam: bytes });
  } catch (error) {
    problems.error({ file: path }, CertRule.DH_PARAMS, `OpenSSL refuses the DH parameters: ${errorMessage(error)}`);
    return undefined;
  }
  return bytes;
}
