import { AuthzSimple, TlsCredsAnon, TlsCredsX509 } from '../../src/crypto';
import { createServer, Display, type VncServer, type VncServerOptions } from '../../src/vnc';
import { makeCa, makePki, type Pki } from '../helpers/cert-factory';
import { captureWithGvnccapture, captureWithTigerVnc, compareImages, identical, requireClients, type RgbaImage } from '../helpers/clients';
import { knownImage } from '../helpers/images';
import { ipv4Port } from '../helpers/sockets';

// VeNCrypt with real gnutls clients: every sub-type they support, pixels compared
// exactly, and each refusal (unknown CA, wrong password, DN not allowed) checked.
jest.setTimeout(90_000);

const WIDTH = 96;
const HEIGHT = 64;

describe('TLS and VeNCrypt with real clients', () => {
  let pki: Pki;
  let strangerPki: Pki;
  let server: VncServer | undefined;
  let expected: RgbaImage;
  let lastReason: Promise<string>;

  beforeAll(() => {
    requireClients();
    // gnutls refuses small RSA keys at its default priority: 2048 bits.
    pki = makePki({ keyBits: 2048 });
    strangerPki = makePki({ keyBits: 2048, ca: makeCa({ keyBits: 2048, cn: 'Some Other CA' }) });
  });
  afterAll(() => {
    pki.cleanup();
    strangerPki.cleanup();
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function start(options: Omit<VncServerOptions, 'display'>): Promise<number> {
    const display = new Display({ width: WIDTH, height: HEIGHT, name: 'tls' });
    expected = knownImage(display, 96);
    server = createServer({ display, ...options });
    lastReason = new Promise((resolve) => server?.on('disconnected', (_, reason) => resolve(reason)));
    return ipv4Port(await server.listen({ host: '127.0.0.1', port: 0 }));
  }

  const anon = (): TlsCredsAnon => new TlsCredsAnon({ endpoint: 'server' });
  const x509 = (verifyPeer: boolean): TlsCredsX509 => new TlsCredsX509({ dir: pki.dir, endpoint: 'server', verifyPeer });
  const withClientCert = (): { caCert: string; clientCert: string; clientKey: string } => ({
    caCert: pki.caCert,
    clientCert: pki.clientCert,
    clientKey: pki.clientKey,
  });

  describe('gvnccapture', () => {
    // Options and credentials are made when each test runs: the PKI exists only then.
    it.each([
      ['TLSNone', () => ({ tls: { creds: anon() } }), 257, () => ({})],
      ['TLSVnc', () => ({ tls: { creds: anon() }, auth: 'vnc' as const, password: 'sesame' }), 258, () => ({ password: 'sesame' })],
      ['X509None, with a client certificate, verify-peer on', () => ({ tls: { creds: x509(true) } }), 260, () => ({ certs: withClientCert() })],
      ['X509None, no client certificate, verify-peer off', () => ({ tls: { creds: x509(false) } }), 260, () => ({ certs: { caCert: pki.caCert } })],
      [
        'X509Vnc, with a client certificate',
        () => ({ tls: { creds: x509(true) }, auth: 'vnc' as const, password: 'sesame' }),
        261,
        () => ({ password: 'sesame', certs: withClientCert() }),
      ],
    ])('%s', async (_, options, subtype, client) => {
      const port = await start(options());
      const capture = await captureWithGvnccapture({ host: '127.0.0.1', port, ...client() });
      expect([capture.securityType, capture.securitySubtype]).toEqual([19, subtype]);
      expect(compareImages(expected, capture).summary).toBe(identical(expected));
    });

    it('X509 with verify-peer: refuses a client without a certificate, and one from another CA', async () => {
      const port = await start({ tls: { creds: x509(true) } });
      await expect(captureWithGvnccapture({ host: '127.0.0.1', port, certs: { caCert: pki.caCert }, timeoutMs: 10_000 })).rejects.toThrow();
      expect(await lastReason).toMatch(/^TLS: /);
      lastReason = new Promise((resolve) => server?.once('disconnected', (_, reason) => resolve(reason)));
      const stranger = { caCert: pki.caCert, clientCert: strangerPki.clientCert, clientKey: strangerPki.clientKey };
      await expect(captureWithGvnccapture({ host: '127.0.0.1', port, certs: stranger, timeoutMs: 10_000 })).rejects.toThrow();
      expect(await lastReason).toMatch(/^TLS: /);
    });

    it('X509 with an allow-list: refuses a certificate whose DN is not on it', async () => {
      const port = await start({ tls: { creds: x509(true), authz: new AuthzSimple({ identity: 'CN=someone else,O=vncd tests' }) } });
      await expect(captureWithGvnccapture({ host: '127.0.0.1', port, certs: withClientCert(), timeoutMs: 10_000 })).rejects.toThrow();
      expect(await lastReason).toMatch(/not allowed|authz|DN/i);
    });

    it('TLSVnc: refuses a wrong password', async () => {
      const port = await start({ tls: { creds: anon() }, auth: 'vnc', password: 'sesame' });
      await expect(captureWithGvnccapture({ host: '127.0.0.1', port, password: 'wrong' })).rejects.toMatchObject({ failure: 'auth-failed' });
      expect(await lastReason).toBe('authentication failed');
    });
  });

  describe('TigerVNC', () => {
    const plain = { users: new Map([['alice', 'wonderland']]) };
    const vnc = { auth: 'vnc' as const, password: 'sesame' };
    it.each([
      ['TLSNone', () => ({ tls: { creds: anon() } }), 'TLSNone', {}],
      ['TLSVnc', () => ({ tls: { creds: anon() }, ...vnc }), 'TLSVnc', { password: 'sesame' }],
      ['TLSPlain', () => ({ tls: { creds: anon() }, vencrypt: ['tls-plain' as const], plain }), 'TLSPlain', { username: 'alice', password: 'wonderland', passwordVia: 'env' as const }],
      ['X509None (verify-peer off)', () => ({ tls: { creds: x509(false) } }), 'X509None', {}],
      ['X509Vnc (verify-peer off)', () => ({ tls: { creds: x509(false) }, ...vnc }), 'X509Vnc', { password: 'sesame' }],
      ['X509Plain (verify-peer off)', () => ({ tls: { creds: x509(false) }, vencrypt: ['x509-plain' as const], plain }), 'X509Plain', { username: 'alice', password: 'wonderland', passwordVia: 'env' as const }],
    ] as const)('%s', async (_, options, security, credentials) => {
      const port = await start(options());
      const capture = await captureWithTigerVnc({
        host: '127.0.0.1',
        port,
        security,
        ...credentials,
        ...(security.startsWith('X509') && { x509CaFile: pki.caCert }),
        expected,
      });
      expect(capture.diff?.summary).toBe(identical(expected));
      expect(server?.info().clients).toEqual([]);
    });
  });
});
