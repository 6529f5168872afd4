import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CertRule, checkCertificates, type CertProblem } from '../../../src/crypto';
import type { TlsEndpoint } from '../../../src/crypto';
import {
  dhParamsPem,
  makeCa,
  makeTempDir,
  removeDir,
  writePki,
  type PkiFiles,
  type TestCa,
  type TestCert,
} from '../../helpers/cert-factory';

/** [severity, rule, message with the directory written as <dir>] */
type Verdict = [CertProblem['severity'], CertRule, string];

const ROOT = 'CN=vncd Test CA,O=vncd test,C=GB';
const SERVER = 'CN=localhost,O=vncd test,C=GB';
const CLIENT = 'CN=vnc-test-client,O=vncd test,C=GB';
const INTER = 'CN=vncd Test Intermediate CA,O=vncd test,C=GB';
const Y2020 = new Date('2020-01-01T00:00:00Z');
const Y2021 = new Date('2021-01-01T00:00:00Z');
const Y2099 = new Date('2099-01-01T00:00:00Z');
const Y2100 = new Date('2100-01-01T00:00:00Z');

let base: string;
let caseNo = 0;
let root: TestCa;
let other: TestCa;
let server: TestCert;
let client: TestCert;

beforeAll(() => {
  base = makeTempDir('vncd-x509-check-');
  root = makeCa();
  other = makeCa({ cn: 'Other CA' });
  server = root.issue('server');
  client = root.issue('client');
});

afterAll(() => removeDir(base));

function newDir(): string {
  const dir = join(base, `case-${++caseNo}`);
  mkdirSync(dir);
  return dir;
}

function check(files: PkiFiles, endpoint: TlsEndpoint = 'server', password?: string | (() => string)): Verdict[] {
  const dir = newDir();
  writePki(dir, files);
  return verdicts(dir, endpoint, password);
}

function verdicts(dir: string, endpoint: TlsEndpoint, password?: string | (() => string)): Verdict[] {
  const problems = checkCertificates(dir, endpoint, password === undefined ? {} : { password });
  return problems.map((p) => {
    expect(p.message.startsWith(p.file)).toBe(true);
    return [p.severity, p.rule, p.message.split(dir).join('<dir>')];
  });
}

describe('good credentials', () => {
  test('a server: CA, server certificate and key', () => {
    expect(check({ cas: [root], server })).toEqual([]);
  });

  test('a client with its certificate, and a client without one (optional)', () => {
    expect(check({ cas: [root], client }, 'client')).toEqual([]);
    expect(check({ cas: [root] }, 'client')).toEqual([]);
  });

  test('a server certificate without any extension (QEMU allows it)', () => {
    const bare = root.issue('server', { basicConstraints: null, keyUsage: null, extKeyUsage: null });
    expect(check({ cas: [root], server: bare })).toEqual([]);
  });

  test('anyExtendedKeyUsage stands for every purpose', () => {
    const any = root.issue('server', { extKeyUsage: { purposes: ['anyExtendedKeyUsage'], critical: true } });
    expect(check({ cas: [root], server: any })).toEqual([]);
  });

  test('a critical key usage without keyEncipherment on an RSA key (QEMU\'s rule)', () => {
    const ds = root.issue('server', { keyUsage: { usages: ['digitalSignature'], critical: true } });
    expect(check({ cas: [root], server: ds })).toEqual([
      ['error', 'key-usage', `<dir>/server-cert.pem (${SERVER}): critical key usage (digitalSignature) does not permit keyEncipherment, which a TLS server certificate needs [key-usage]`],
    ]);
  });

  test('a chain: intermediate CA in ca-cert.pem, or sent after the server certificate', () => {
    const inter = root.issueCa();
    const leaf = inter.issue('server');
    expect(check({ cas: [root, inter], server: leaf })).toEqual([]);
    expect(check({ cas: [root], server: leaf, chain: [inter] })).toEqual([]);
  });

  test('an encrypted key with the right password (text or a function, e.g. reading a Secret)', () => {
    expect(check({ cas: [root], server, keyPassword: 's3cret' }, 'server', 's3cret')).toEqual([]);
    expect(check({ cas: [root], server, keyPassword: 's3cret' }, 'server', () => 's3cret')).toEqual([]);
  });

  test('a CRL from the CA that revokes someone else, and 2048-bit DH parameters', () => {
    const crl = root.crl({ revoked: [client] });
    expect(check({ cas: [root], server, crl, dhParams: dhParamsPem('modp14') })).toEqual([]);
  });
});

describe('CA certificates', () => {
  test('without basic constraints', () => {
    const ca = makeCa({ cn: 'CA no BC', basicConstraints: null });
    expect(check({ cas: [ca], server: ca.issue('server') })).toEqual([
      ['error', 'ca-basic-constraints', '<dir>/ca-cert.pem (CN=CA no BC,O=vncd test,C=GB): has no basic constraints extension, but a CA certificate needs one with CA:TRUE [ca-basic-constraints]'],
    ]);
  });

  test('with basic constraints CA:FALSE', () => {
    const ca = makeCa({ cn: 'CA false', basicConstraints: { ca: false, critical: true } });
    expect(check({ cas: [ca], server: ca.issue('server') })).toEqual([
      ['error', 'ca-basic-constraints', '<dir>/ca-cert.pem (CN=CA false,O=vncd test,C=GB): basic constraints say CA:FALSE, so it cannot be a CA certificate [ca-basic-constraints]'],
    ]);
  });

  test('with a critical key usage lacking keyCertSign', () => {
    const ca = makeCa({ cn: 'CA no certsign', keyUsage: { usages: ['digitalSignature', 'cRLSign'], critical: true } });
    expect(check({ cas: [ca], server: ca.issue('server') })).toEqual([
      ['error', 'ca-key-usage', '<dir>/ca-cert.pem (CN=CA no certsign,O=vncd test,C=GB): key usage (digitalSignature, cRLSign) does not permit certificate signing (keyCertSign) [ca-key-usage]'],
    ]);
  });

  test('with a non-critical key usage lacking keyCertSign (OpenSSL enforces it: still an error)', () => {
    const ca = makeCa({ cn: 'CA soft', keyUsage: { usages: ['cRLSign'], critical: false } });
    expect(check({ cas: [ca], server: ca.issue('server') })).toEqual([
      ['error', 'ca-key-usage', '<dir>/ca-cert.pem (CN=CA soft,O=vncd test,C=GB): key usage (cRLSign) does not permit certificate signing (keyCertSign) (the extension is not critical, but OpenSSL enforces it all the same) [ca-key-usage]'],
    ]);
  });

  test('a bad CA among several is named by its place in the file', () => {
    const bad = makeCa({ cn: 'CA no BC', basicConstraints: null });
    expect(check({ cas: [root, bad], server })).toEqual([
      ['error', 'ca-basic-constraints', '<dir>/ca-cert.pem #2 (CN=CA no BC,O=vncd test,C=GB): has no basic constraints extension, but a CA certificate needs one with CA:TRUE [ca-basic-constraints]'],
    ]);
  });

  test('expired', () => {
    const old = makeCa({ cn: 'Old CA', notBefore: Y2020, notAfter: Y2021 });
    expect(check({ cas: [old], server: old.issue('server') })).toEqual([
      ['error', 'expired', '<dir>/ca-cert.pem (CN=Old CA,O=vncd test,C=GB): has expired: it was valid until 2021-01-01T00:00:00.000Z [expired]'],
    ]);
  });
});

describe('server and client certificates', () => {
  test('a server certificate that is a CA', () => {
    const leaf = root.issue('server', { basicConstraints: { ca: true, critical: true } });
    expect(check({ cas: [root], server: leaf })).toEqual([
      ['error', 'leaf-is-ca', `<dir>/server-cert.pem (${SERVER}): basic constraints show a CA (CA:TRUE), but a TLS server certificate must not be one [leaf-is-ca]`],
    ]);
  });

  test('a server certificate without serverAuth, critical or not', () => {
    const soft = root.issue('server', { extKeyUsage: { purposes: ['clientAuth'] } });
    expect(check({ cas: [root], server: soft })).toEqual([
      ['error', 'key-purpose', `<dir>/server-cert.pem (${SERVER}): extended key usage (clientAuth) does not allow use as a TLS server (no serverAuth) [key-purpose]`],
    ]);
    const hard = root.issue('server', { extKeyUsage: { purposes: ['codeSigning', 'emailProtection'], critical: true } });
    expect(check({ cas: [root], server: hard })).toEqual([
      ['error', 'key-purpose', `<dir>/server-cert.pem (${SERVER}): critical extended key usage (codeSigning, emailProtection) does not allow use as a TLS server (no serverAuth) [key-purpose]`],
    ]);
  });

  test('a critical key usage lacking both needed bits', () => {
    const leaf = root.issue('server', { keyUsage: { usages: ['nonRepudiation'], critical: true } });
    expect(check({ cas: [root], server: leaf })).toEqual([
      ['error', 'key-usage', `<dir>/server-cert.pem (${SERVER}): critical key usage (nonRepudiation) does not permit digitalSignature nor keyEncipherment, which a TLS server certificate needs [key-usage]`],
    ]);
  });

  test('a non-critical key usage lacking keyEncipherment: a warning, as QEMU ignores it', () => {
    const leaf = root.issue('server', { keyUsage: { usages: ['digitalSignature'], critical: false } });
    expect(check({ cas: [root], server: leaf })).toEqual([
      ['warning', 'key-usage', `<dir>/server-cert.pem (${SERVER}): non-critical key usage (digitalSignature) lacks keyEncipherment; QEMU and OpenSSL accept that, stricter peers may not [key-usage]`],
    ]);
  });

  test('a non-critical key usage with no TLS usage at all: OpenSSL refuses it', () => {
    const leaf = root.issue('server', { keyUsage: { usages: ['keyCertSign'], critical: false } });
    expect(check({ cas: [root], server: leaf })).toEqual([
      ['error', 'key-usage', `<dir>/server-cert.pem (${SERVER}): key usage (keyCertSign) permits none of digitalSignature, keyEncipherment, keyAgreement: OpenSSL refuses it for TLS even though the extension is not critical [key-usage]`],
    ]);
  });

  test('a client certificate without clientAuth', () => {
    const leaf = root.issue('client', { extKeyUsage: { purposes: ['serverAuth'] } });
    expect(check({ cas: [root], client: leaf }, 'client')).toEqual([
      ['error', 'key-purpose', `<dir>/client-cert.pem (${CLIENT}): extended key usage (serverAuth) does not allow use as a TLS client (no clientAuth) [key-purpose]`],
    ]);
  });

  test('a server certificate checked as a client one (and the reverse) breaks the purpose rule', () => {
    expect(check({ cas: [root], client: server }, 'client')).toEqual([
      ['error', 'key-purpose', `<dir>/client-cert.pem (${SERVER}): extended key usage (serverAuth) does not allow use as a TLS client (no clientAuth) [key-purpose]`],
    ]);
    expect(check({ cas: [root], server: client })).toEqual([
      ['error', 'key-purpose', `<dir>/server-cert.pem (${CLIENT}): extended key usage (clientAuth) does not allow use as a TLS server (no serverAuth) [key-purpose]`],
    ]);
  });

  test('expired and not yet valid', () => {
    const expired = root.issue('server', { notBefore: Y2020, notAfter: Y2021 });
    expect(check({ cas: [root], server: expired })).toEqual([
      ['error', 'expired', `<dir>/server-cert.pem (${SERVER}): has expired: it was valid until 2021-01-01T00:00:00.000Z [expired]`],
    ]);
    // After 2049 validity is a GeneralizedTime rather than a UTCTime.
    const future = root.issue('client', { notBefore: Y2099, notAfter: Y2100 });
    expect(check({ cas: [root], client: future }, 'client')).toEqual([
      ['error', 'not-yet-valid', `<dir>/client-cert.pem (${CLIENT}): is not valid yet: it becomes valid at 2099-01-01T00:00:00.000Z [not-yet-valid]`],
    ]);
  });
});

describe('trust', () => {
  test('signed by another CA', () => {
    expect(check({ cas: [root], server: other.issue('server') })).toEqual([
      ['error', 'untrusted', `<dir>/server-cert.pem (${SERVER}): is not signed by any CA in <dir>/ca-cert.pem (its issuer CN=Other CA,O=vncd test,C=GB is not there) [untrusted]`],
    ]);
  });

  test('signed by an impostor CA with the same name as ours', () => {
    const impostor = makeCa();
    expect(check({ cas: [root], server: impostor.issue('server') })).toEqual([
      ['error', 'untrusted', `<dir>/server-cert.pem (${SERVER}): its issuer ${ROOT} is in <dir>/ca-cert.pem, but the signature of ${SERVER} does not verify with that CA's key [untrusted]`],
    ]);
  });

  test('a chain that stops at an intermediate: OpenSSL needs the root', () => {
    const inter = root.issueCa();
    expect(check({ cas: [inter], server: inter.issue('server') })).toEqual([
      ['error', 'untrusted', `<dir>/server-cert.pem (${SERVER}): its chain stops at ${INTER}, whose issuer ${ROOT} is not in <dir>/ca-cert.pem [untrusted]`],
    ]);
  });

  test('a self-signed server certificate', () => {
    const self = makeCa({ cn: 'localhost', basicConstraints: null, keyUsage: null });
    expect(check({ cas: [root], server: self })).toEqual([
      ['error', 'untrusted', `<dir>/server-cert.pem (${SERVER}): is self-signed, which is not one of the CAs in <dir>/ca-cert.pem [untrusted]`],
    ]);
  });
});

describe('keys', () => {
  test('a key that does not match the certificate', () => {
    expect(check({ cas: [root], server, serverKeyPem: client.keyPem })).toEqual([
      ['error', 'key-mismatch', `<dir>/server-key.pem: does not hold the private key of the certificate in <dir>/server-cert.pem (${SERVER}) [key-mismatch]`],
    ]);
  });

  test('an encrypted key without a password, or with a wrong one', () => {
    expect(check({ cas: [root], server, keyPassword: 's3cret' })).toEqual([
      ['error', 'key-password', '<dir>/server-key.pem: is an encrypted private key, and no password was given for it (passwordid) [key-password]'],
    ]);
    const wrong = check({ cas: [root], server, keyPassword: 's3cret' }, 'server', 'wrong');
    expect(wrong).toHaveLength(1);
    expect(wrong[0]?.[1]).toBe('key-password');
    expect(wrong[0]?.[2]).toMatch(/^<dir>\/server-key\.pem: is an encrypted private key that the given password does not decrypt \(.*bad decrypt\) \[key-password\]$/);
  });

  test('a key file that holds no key', () => {
    const dir = newDir();
    writePki(dir, { cas: [root], server });
    writeFileSync(join(dir, 'server-key.pem'), 'not a key\n');
    const found = verdicts(dir, 'server');
    expect(found).toHaveLength(1);
    expect(found[0]?.[1]).toBe('key-unreadable');
    expect(found[0]?.[2]).toMatch(/^<dir>\/server-key\.pem: holds no readable PEM private key \(.+\) \[key-unreadable\]$/);
  });

  test('a key too small for OpenSSL: the assembled context is refused', () => {
    const tiny = root.issue('server', { keyBits: 512 });
    const found = check({ cas: [root], server: tiny });
    expect(found).toHaveLength(1);
    expect(found[0]?.[1]).toBe('tls-context');
    expect(found[0]?.[2]).toMatch(/^<dir>\/server-cert\.pem: OpenSSL refuses these credentials: .*too small.* \[tls-context\]$/);
  });
});

describe('files', () => {
  test('an empty directory: every required file is named', () => {
    expect(check({})).toEqual([
      ['error', 'file-missing', '<dir>/ca-cert.pem: is missing: it holds the CA certificates that peers are verified with [file-missing]'],
      ['error', 'file-missing', '<dir>/server-cert.pem: is missing: a TLS server needs its certificate (with server-key.pem) [file-missing]'],
      ['error', 'file-missing', '<dir>/server-key.pem: is missing: it holds the private key of <dir>/server-cert.pem [file-missing]'],
    ]);
  });

  test('a client key without its certificate', () => {
    const dir = newDir();
    writePki(dir, { cas: [root], client });
    writeFileSync(join(dir, 'client-cert.pem'), '');
    expect(verdicts(dir, 'client')).toEqual([
      ['error', 'pem-invalid', '<dir>/client-cert.pem: holds no PEM certificate (-----BEGIN CERTIFICATE-----) [pem-invalid]'],
    ]);
    const bare = newDir();
    writeFileSync(join(bare, 'ca-cert.pem'), root.certPem);
    writeFileSync(join(bare, 'client-key.pem'), client.keyPem);
    expect(verdicts(bare, 'client')).toEqual([
      ['error', 'file-missing', '<dir>/client-cert.pem: is missing: it is the certificate for the key in <dir>/client-key.pem [file-missing]'],
    ]);
  });

  test('a certificate whose PEM body is corrupt', () => {
    const dir = newDir();
    writePki(dir, { server });
    writeFileSync(join(dir, 'ca-cert.pem'), '-----BEGIN CERTIFICATE-----\nTUlJ\n-----END CERTIFICATE-----\n');
    const found = verdicts(dir, 'server');
    expect(found).toHaveLength(1);
    expect(found[0]?.[1]).toBe('pem-invalid');
    expect(found[0]?.[2]).toMatch(/^<dir>\/ca-cert\.pem: the certificate cannot be parsed: .+ \[pem-invalid\]$/);
  });
});

describe('CRL', () => {
  test('our own certificate revoked', () => {
    expect(check({ cas: [root], server, crl: root.crl({ revoked: [client, server] }) })).toEqual([
      ['error', 'revoked', `<dir>/server-cert.pem (${SERVER}): is revoked: its serial number ${server.serial} is listed in <dir>/ca-crl.pem [revoked]`],
    ]);
  });

  test('a stale CRL', () => {
    const crl = root.crl({ thisUpdate: Y2020, nextUpdate: Y2021 });
    expect(check({ cas: [root], server, crl })).toEqual([
      ['error', 'crl-time', '<dir>/ca-crl.pem: the CRL expired at 2021-01-01T00:00:00.000Z (its nextUpdate): OpenSSL refuses peer certificates while it is stale [crl-time]'],
    ]);
  });

  test('a CRL from a CA we do not have, and a CA without a CRL', () => {
    expect(check({ cas: [root], server, crl: other.crl() })).toEqual([
      ['error', 'crl-invalid', '<dir>/ca-crl.pem: the CRL is issued by a CA that is not in ca-cert.pem [crl-invalid]'],
      ['warning', 'crl-missing', `<dir>/ca-crl.pem: holds no CRL from the CA ${ROOT}: with a CRL file OpenSSL refuses peer certificates issued under that CA (UNABLE_TO_GET_CRL) [crl-missing]`],
    ]);
  });

  test('a forged CRL: our CA name, another key', () => {
    const impostor = makeCa();
    expect(check({ cas: [root], server, crl: impostor.crl() })).toEqual([
      ['error', 'crl-invalid', `<dir>/ca-crl.pem: the signature of the CRL (issuer ${ROOT}) does not verify with that CA's key [crl-invalid]`],
    ]);
  });
});

describe('DH parameters', () => {
  test('too small, small, and not DH parameters', () => {
    expect(check({ cas: [root], server, dhParams: dhParamsPem('modp1') })).toEqual([
      ['error', 'dh-params', '<dir>/dh-params.pem: the DH prime has 768 bits; at least 1024 are needed (2048 advised) [dh-params]'],
    ]);
    expect(check({ cas: [root], server, dhParams: dhParamsPem('modp2') })).toEqual([
      ['warning', 'dh-params', '<dir>/dh-params.pem: the DH prime has only 1024 bits; 2048 or more are advised [dh-params]'],
    ]);
    expect(check({ cas: [root], server, dhParams: server.certPem })).toEqual([
      ['error', 'dh-params', '<dir>/dh-params.pem: holds no PEM DH parameters (-----BEGIN DH PARAMETERS-----) [dh-params]'],
    ]);
  });
});

test('a directory with many problems reports them all at once, in file order', () => {
  const bad = makeCa({ cn: 'Bad CA', basicConstraints: null, keyUsage: { usages: ['digitalSignature'], critical: true } });
  const leaf = bad.issue('server', {
    basicConstraints: { ca: true },
    extKeyUsage: { purposes: ['clientAuth'] },
    notBefore: Y2020,
    notAfter: Y2021,
  });
  expect(check({ cas: [bad], server: leaf, serverKeyPem: client.keyPem, crl: other.crl(), dhParams: 'nonsense' })).toEqual([
    ['error', 'ca-basic-constraints', '<dir>/ca-cert.pem (CN=Bad CA,O=vncd test,C=GB): has no basic constraints extension, but a CA certificate needs one with CA:TRUE [ca-basic-constraints]'],
    ['error', 'ca-key-usage', '<dir>/ca-cert.pem (CN=Bad CA,O=vncd test,C=GB): key usage (digitalSignature) does not permit certificate signing (keyCertSign) [ca-key-usage]'],
    ['error', 'leaf-is-ca', `<dir>/server-cert.pem (${SERVER}): basic constraints show a CA (CA:TRUE), but a TLS server certificate must not be one [leaf-is-ca]`],
    ['error', 'key-purpose', `<dir>/server-cert.pem (${SERVER}): extended key usage (clientAuth) does not allow use as a TLS server (no serverAuth) [key-purpose]`],
    ['error', 'expired', `<dir>/server-cert.pem (${SERVER}): has expired: it was valid until 2021-01-01T00:00:00.000Z [expired]`],
    ['error', 'key-mismatch', `<dir>/server-key.pem: does not hold the private key of the certificate in <dir>/server-cert.pem (${SERVER}) [key-mismatch]`],
    ['error', 'crl-invalid', '<dir>/ca-crl.pem: the CRL is issued by a CA that is not in ca-cert.pem [crl-invalid]'],
    ['warning', 'crl-missing', '<dir>/ca-crl.pem: holds no CRL from the CA CN=Bad CA,O=vncd test,C=GB: with a CRL file OpenSSL refuses peer certificates issued under that CA (UNABLE_TO_GET_CRL) [crl-missing]'],
    ['error', 'dh-params', '<dir>/dh-params.pem: holds no PEM DH parameters (-----BEGIN DH PARAMETERS-----) [dh-params]'],
  ]);
});

test('problems carry the certificate they are about', () => {
  const dir = newDir();
  const bad = makeCa({ cn: 'CA no BC', basicConstraints: null });
  writePki(dir, { cas: [root, bad], server });
  const [problem] = checkCertificates(dir, 'server');
  expect(problem).toEqual({
    rule: CertRule.CA_BASIC_CONSTRAINTS,
    severity: 'error',
    file: join(dir, 'ca-cert.pem'),
    certificate: { index: 2, subject: 'CN=CA no BC,O=vncd test,C=GB' },
    message: `${join(dir, 'ca-cert.pem')} #2 (CN=CA no BC,O=vncd test,C=GB): has no basic constraints extension, but a CA certificate needs one with CA:TRUE [ca-basic-constraints]`,
  });
});
