import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { TlsCredsX509 } from '../../../src/crypto';
import { Display, VncServer } from '../../../src/vnc';
import { makePki, type Pki } from '../../helpers/cert-factory';
import { TestClient } from '../../helpers/rfb-client';

// What a scanner (sslscan, openssl s_client) would find after the VeNCrypt preamble on an
// x509 server: the TLS it starts accepts no weak suite or protocol.
describe('the TLS that VeNCrypt x509 starts', () => {
  let pki: Pki;
  let server: VncServer;

  beforeAll(() => {
    pki = makePki({ keyBits: 2048 });
  });
  afterAll(() => pki.cleanup());
  beforeEach(() => {
    const creds = new TlsCredsX509({ dir: pki.dir, endpoint: 'server', verifyPeer: false });
    server = new VncServer({ display: new Display({ width: 2, height: 2 }), tls: { creds } });
  });
  afterEach(() => server.close());

  /** RFB 3.8, VeNCrypt 0.2, X509None (260), the accept byte; then TLS with these client settings. */
  async function probe(settings: ConnectionOptions): Promise<string> {
    const client = TestClient.connect(server);
    await client.chooseVencrypt('0002');
    await client.read(1 + 1 + 4);
    client.write('00000104');
    expect(await client.readHex(1)).toBe('01');
    const socket = tlsConnect({ socket: client.detach(), rejectUnauthorized: false, ...settings });
    return new Promise((resolve) => {
      socket.once('secureConnect', () => {
        resolve(`${socket.getProtocol()} ${socket.getCipher().name}`);
        socket.destroy();
      });
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(`refused: ${error.code ?? error.message}`));
    });
  }

  it('gives a modern client TLS 1.3', async () => {
    expect(await probe({})).toBe('TLSv1.3 TLS_AES_256_GCM_SHA384');
  });

  it.each([
    ['RSA key exchange (no forward secrecy)', { ciphers: 'AES128-GCM-SHA256:AES256-SHA', maxVersion: 'TLSv1.2' as const }],
    ['CBC suites with ECDHE', { ciphers: 'ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA', maxVersion: 'TLSv1.2' as const }],
    ['TLS 1.1', { ciphers: 'DEFAULT:@SECLEVEL=0', minVersion: 'TLSv1.1' as const, maxVersion: 'TLSv1.1' as const }],
    ['anonymous DH', { ciphers: 'aNULL:@SECLEVEL=0', maxVersion: 'TLSv1.2' as const }],
  ])('refuses %s', async (_, settings) => {
    expect(await probe(settings)).toMatch(/^refused: /);
  });
});
