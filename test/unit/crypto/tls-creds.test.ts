import { writeFileSync } from 'node:fs';
import {
  CryptoErrorCode,
  DEFAULT_ANON_PRIORITY,
  DEFAULT_X509_PRIORITY,
  TlsCredsAnon,
  TlsCredsError,
  TlsCredsX509,
} from '../../../src/crypto';
import { dhParamsPem, makeCa, makePki, TempDirs, writePki, type Pki } from '../../helpers/cert-factory';
import { cryptoError } from '../../helpers/crypto-error';

let pki: Pki;
const temp = new TempDirs();

beforeAll(() => {
  pki = makePki();
});

afterAll(() => {
  pki.cleanup();
  temp.removeAll();
});

const tempDir = (): string => temp.make('vncd-creds-');

/** PEM text without line-ending differences (forge writes CRLF). */
function pem(text: unknown): string {
  return String(text).replace(/\r\n/g, '\n').trim();
}

describe('TlsCredsX509', () => {
  test('loads a good directory; the server options verify peers by default', () => {
    const creds = new TlsCredsX509({ dir: pki.dir, endpoint: 'server' });
    expect(creds.kind).toBe('x509');
    expect(creds.verifyPeer).toBe(true);
    expect(creds.generation).toBe(1);
    expect(creds.warnings).toEqual([]);
    expect(creds.priority).toEqual(DEFAULT_X509_PRIORITY);
    expect(creds.certificate).toEqual({
      subject: 'CN=localhost,O=vncd test,C=GB',
      issuer: 'CN=vncd Test CA,O=vncd test,C=GB',
      serial: pki.server?.serial,
      notBefore: pki.server?.x509 === undefined ? undefined : new Date(pki.server.x509.validFrom),
      notAfter: pki.server?.x509 === undefined ? undefined : new Date(pki.server.x509.validTo),
    });
    const options = creds.tlsServerOptions();
    expect(options).toMatchObject({
      requestCert: true,
      rejectUnauthorized: true,
      honorCipherOrder: true,
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.3',
      dhparam: 'auto',
      ciphers: DEFAULT_X509_PRIORITY.ciphers,
    });
    expect((options.ca as string[]).map(pem)).toEqual([pem(pki.ca.certPem)]);
    expect(pem(options.cert)).toBe(pem(pki.server?.certPem));
    expect(cryptoError(() => creds.tlsClientOptions()).code).toBe(CryptoErrorCode.TLS_OPTION_INVALID);
  });

  test('the default x509 priority: TLS 1.2+ and forward-secret AEAD suites only', () => {
    const suites = DEFAULT_X509_PRIORITY.ciphers.split(':');
    for (const suite of suites) {
      expect(suite).toMatch(/^(TLS_(AES_(128|256)_GCM|CHACHA20_POLY1305)_SHA(256|384)|(ECDHE-(ECDSA|RSA)|DHE-RSA)-(AES(128|256)-GCM-SHA(256|384)|CHACHA20-POLY1305))$/);
    }
    expect(DEFAULT_X509_PRIORITY.minVersion).toBe('TLSv1.2');
  });

  test('verify-peer off: the server asks for no certificate', () => {
    const creds = new TlsCredsX509({ dir: pki.dir, endpoint: 'server', verifyPeer: false });
    expect(creds.tlsServerOptions()).toMatchObject({ requestCert: false, rejectUnauthorized: false });
  });

  test('a client endpoint sends its certificate when it has one, and verifies the server', () => {
    const creds = new TlsCredsX509({ dir: pki.dir, endpoint: 'client' });
    const options = creds.tlsClientOptions();
    expect(pem(options.cert)).toBe(pem(pki.client?.certPem));
    expect(options.rejectUnauthorized).toBe(true);
    expect(creds.certificate?.subject).toBe('CN=vnc-test-client,O=vncd test,C=GB');
  });

  test('a broken directory: one TlsCredsError listing every problem', () => {
    const dir = tempDir();
    const leaf = pki.ca.issue('server', { basicConstraints: { ca: true }, extKeyUsage: { purposes: ['clientAuth'] } });
    writePki(dir, { cas: [pki.ca], server: leaf });
    const error = cryptoError(() => new TlsCredsX509({ dir, endpoint: 'server' }));
    expect(error).toBeInstanceOf(TlsCredsError);
    expect(error.code).toBe(CryptoErrorCode.TLS_CREDS_INVALID);
    expect((error as TlsCredsError).problems.map((p) => p.rule)).toEqual(['leaf-is-ca', 'key-purpose']);
    expect(error.message).toBe(
      `cannot load tls-creds-x509 from ${dir} for a TLS server: 2 problems\n` +
        `error: ${dir}/server-cert.pem (CN=localhost,O=vncd test,C=GB): basic constraints show a CA (CA:TRUE), but a TLS server certificate must not be one [leaf-is-ca]\n` +
        `error: ${dir}/server-cert.pem (CN=localhost,O=vncd test,C=GB): extended key usage (clientAuth) does not allow use as a TLS server (no serverAuth) [key-purpose]`,
    );
    // sanity-check=off (as in QEMU) loads it anyway.
    expect(new TlsCredsX509({ dir, endpoint: 'server', sanityCheck: false }).certificate?.subject).toBe('CN=localhost,O=vncd test,C=GB');
  });

  test('warnings do not stop loading and are kept', () => {
    const dir = tempDir();
    const leaf = pki.ca.issue('server', { keyUsage: { usages: ['digitalSignature'], critical: false } });
    writePki(dir, { cas: [pki.ca], server: leaf });
    const creds = new TlsCredsX509({ dir, endpoint: 'server' });
    expect(creds.warnings.map((w) => [w.severity, w.rule])).toEqual([['warning', 'key-usage']]);
  });

  test('an encrypted key with its password from a SecretStore-like function', () => {
    const dir = tempDir();
    writePki(dir, { cas: [pki.ca], server: pki.server!, keyPassword: 'pa55' });
    let asked = 0;
    const creds = new TlsCredsX509({ dir, endpoint: 'server', password: () => (asked++, 'pa55') });
    expect(asked).toBe(1);
    // The key is handed to OpenSSL decrypted: no passphrase option to leak.
    expect(creds.tlsServerOptions().key).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(creds.tlsServerOptions().passphrase).toBeUndefined();
    creds.reload();
    expect(asked).toBe(2);
  });

  test('reload: a renewed certificate is taken; a broken one is refused and the old stays', () => {
    const dir = tempDir();
    writePki(dir, { cas: [pki.ca], server: pki.server! });
    const creds = new TlsCredsX509({ dir, endpoint: 'server' });
    const renewed = pki.ca.issue('server');
    writePki(dir, { server: renewed });
    creds.reload();
    expect(creds.generation).toBe(2);
    expect(creds.certificate?.serial).toBe(renewed.serial);
    expect(pem(creds.tlsServerOptions().cert)).toBe(pem(renewed.certPem));

    const stranger = makeCa({ cn: 'Stranger CA' }).issue('server');
    writePki(dir, { server: stranger });
    const error = cryptoError(() => creds.reload());
    expect(error).toBeInstanceOf(TlsCredsError);
    expect((error as TlsCredsError).problems.map((p) => p.rule)).toEqual(['untrusted']);
    expect(creds.generation).toBe(2);
    expect(creds.certificate?.serial).toBe(renewed.serial);
    expect(pem(creds.tlsServerOptions().cert)).toBe(pem(renewed.certPem));
  });

  test('options are checked: endpoint, dir, priority', () => {
    const bad = [
      [{ dir: pki.dir, endpoint: 'both' }, 'tls-creds-x509: endpoint must be "server" or "client", not "both"'],
      [{ dir: '', endpoint: 'server' }, 'tls-creds-x509: dir must be a non-empty path'],
      [{ dir: pki.dir, endpoint: 'server', priority: { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.2' } }, 'tls-creds-x509: priority minVersion TLSv1.3 is above maxVersion TLSv1.2'],
      [{ dir: pki.dir, endpoint: 'server', priority: { minVersion: 'SSLv3' } }, 'tls-creds-x509: priority minVersion must be one of TLSv1, TLSv1.1, TLSv1.2, TLSv1.3, not "SSLv3"'],
      [{ dir: pki.dir, endpoint: 'server', priority: 'NO-SUCH-CIPHER' }, 'tls-creds-x509: OpenSSL refuses the cipher list "NO-SUCH-CIPHER": error:0A0000B9:SSL routines::no cipher match'],
    ] as const;
    for (const [options, message] of bad) {
      const error = cryptoError(() => new TlsCredsX509(options as never));
      expect(error.code).toBe(CryptoErrorCode.TLS_OPTION_INVALID);
      expect(error.message).toBe(message);
    }
  });

  test('a priority string replaces the cipher list and keeps the versions', () => {
    const creds = new TlsCredsX509({ dir: pki.dir, endpoint: 'server', priority: 'ECDHE-RSA-AES128-GCM-SHA256' });
    expect(creds.priority).toEqual({ ciphers: 'ECDHE-RSA-AES128-GCM-SHA256', minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' });
  });
});

describe('TlsCredsAnon', () => {
  test('server defaults: anonymous suites, AEAD first, SECLEVEL 0, TLS 1.2 only, automatic DH', () => {
    const creds = new TlsCredsAnon({ endpoint: 'server' });
    expect(creds.verifyPeer).toBe(false);
    expect(DEFAULT_ANON_PRIORITY.ciphers.split(':').slice(0, 3)).toEqual(['ADH-AES256-GCM-SHA384', 'ADH-AES128-GCM-SHA256', 'AECDH-AES256-SHA']);
    expect(DEFAULT_ANON_PRIORITY.ciphers.endsWith(':@SECLEVEL=0')).toBe(true);
    expect(creds.tlsServerOptions()).toEqual({
      ciphers: DEFAULT_ANON_PRIORITY.ciphers,
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.2',
      dhparam: 'auto',
      honorCipherOrder: true,
    });
    expect(cryptoError(() => creds.tlsClientOptions()).code).toBe(CryptoErrorCode.TLS_OPTION_INVALID);
    expect(new TlsCredsAnon({ endpoint: 'client' }).tlsClientOptions()).toMatchObject({ rejectUnauthorized: false });
  });

  test('dh-params.pem from dir, checked, reloaded; a dir without it means automatic DH', () => {
    const dir = tempDir();
    expect(new TlsCredsAnon({ endpoint: 'server', dir }).tlsServerOptions().dhparam).toBe('auto');
    const pem = dhParamsPem('modp14');
    writeFileSync(`${dir}/dh-params.pem`, pem);
    const creds = new TlsCredsAnon({ endpoint: 'server', dir });
    expect(creds.tlsServerOptions().dhparam).toEqual(Buffer.from(pem));
    writeFileSync(`${dir}/dh-params.pem`, 'garbage');
    const error = cryptoError(() => creds.reload());
    expect(error.message).toBe(
      `cannot load tls-creds-anon from ${dir}: 1 problem\nerror: ${dir}/dh-params.pem: holds no PEM DH parameters (-----BEGIN DH PARAMETERS-----) [dh-params]`,
    );
    expect(creds.tlsServerOptions().dhparam).toEqual(Buffer.from(pem));
  });

  test('TLS 1.3 has no anonymous suites', () => {
    const error = cryptoError(() => new TlsCredsAnon({ endpoint: 'server', priority: { maxVersion: 'TLSv1.3' } }));
    expect(error.message).toBe('tls-creds-anon: priority maxVersion cannot be TLSv1.3: TLS 1.3 has no anonymous cipher suites');
  });
});
