import { startTlsClient, TlsCredsAnon } from '../../../src/crypto';
import { Display, VncServer, type VncServerOptions } from '../../../src/vnc';
import { TestClient } from '../../helpers/rfb-client';

// VeNCrypt, byte by byte from its specification, with anonymous TLS (no certificates needed).
const serverCreds = new TlsCredsAnon({ endpoint: 'server' });
const clientCreds = new TlsCredsAnon({ endpoint: 'client' });

function u32(value: number): string {
  return value.toString(16).padStart(8, '0');
}

describe('VeNCrypt', () => {
  let server: VncServer;
  const clients: TestClient[] = [];

  function start(options: Partial<VncServerOptions>): void {
    server = new VncServer({ display: new Display({ width: 4, height: 2, name: 'v' }), ...options });
  }

  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await server.close();
  });

  /** Version 3.8, security type 19, VeNCrypt 0.2: returns the sub-types offered. */
  async function negotiate(client: TestClient): Promise<number[]> {
    await client.chooseVencrypt('0002');
    expect(await client.readHex(1)).toBe('00'); // version accepted
    const count = (await client.read(1)).readUInt8(0);
    const list = await client.read(count * 4);
    return Array.from({ length: count }, (_, i) => list.readUInt32BE(i * 4));
  }

  function connect(): TestClient {
    const client = TestClient.connect(server);
    clients.push(client);
    return client;
  }

  /** The client side of the TLS handshake, then a TestClient over the encrypted stream. */
  async function startTls(client: TestClient): Promise<TestClient> {
    const session = await startTlsClient(client.detach(), clientCreds);
    const secure = new TestClient(session.socket);
    clients.push(secure);
    return secure;
  }

  it('TLSNone: accept byte, anonymous TLS, then SecurityResult and ServerInit over TLS', async () => {
    start({ tls: { creds: serverCreds } });
    const info = new Promise((resolve) => server.once('initialized', resolve));
    const client = connect();
    expect(await negotiate(client)).toEqual([257]);
    client.write(u32(257));
    expect(await client.readHex(1)).toBe('01');
    const secure = await startTls(client);
    expect(await secure.readHex(4)).toBe('00000000');
    secure.write('01');
    const init = await secure.readServerInit();
    expect(init.name).toBe('v');
    expect(await info).toMatchObject({ auth: 'vencrypt', vencrypt: 'tls-none' });
  });

  it('TLSPlain: username and password over TLS, the username reported', async () => {
    start({ tls: { creds: serverCreds }, vencrypt: ['tls-plain'], plain: { users: new Map([['alice', 'wonder']]) } });
    const client = connect();
    expect(await negotiate(client)).toEqual([259]);
    client.write(u32(259));
    expect(await client.readHex(1)).toBe('01');
    const secure = await startTls(client);
    secure.write(u32(5) + u32(6) + Buffer.from('alicewonder').toString('hex'));
    expect(await secure.readHex(4)).toBe('00000000');
    secure.write('01');
    await secure.readServerInit();
    expect(server.info().clients[0]).toMatchObject({ vencrypt: 'tls-plain', username: 'alice' });
  });

  it('Plain over a transport that is not encrypted: not offered, unless forced; then early bytes wait in the read-ahead', async () => {
    start({ vencrypt: ['plain'], plain: { users: new Map([['bob', 'builder']]) } });
    // An unencrypted in-memory transport: VeNCrypt offers nothing, None remains.
    const plainless = connect();
    await plainless.read(12);
    plainless.write(Buffer.from('RFB 003.008\n'));
    expect(await plainless.readHex(3)).toBe('021301');
    await server.close();

    start({ vencrypt: ['plain'], forcePlain: true, plain: { users: new Map([['bob', 'builder']]) } });
    const client = connect();
    await client.read(12);
    client.write(Buffer.from('RFB 003.008\n'));
    expect(await client.readHex(3)).toBe('021301');
    // TigerVNC and noVNC send everything without waiting for the server's answers, and
    // Plain gets no accept byte (they read none): the SecurityResult follows the list.
    client.write('13' + '0002' + u32(256) + u32(3) + u32(7) + Buffer.from('bobbuilder').toString('hex'));
    expect(await client.readHex(2 + 1 + 1 + 4)).toBe('0002' + '00' + '01' + u32(256));
    expect(await client.readHex(4)).toBe('00000000');
  });

  it('refuses a wrong Plain password with a reason, and a sub-type that was not offered', async () => {
    start({ tls: { creds: serverCreds }, vencrypt: ['tls-plain'], plain: { users: new Map([['alice', 'wonder']]) } });
    const client = connect();
    await negotiate(client);
    client.write(u32(259));
    await client.read(1);
    const secure = await startTls(client);
    secure.write(u32(5) + u32(5) + Buffer.from('alicewrong').toString('hex'));
    const reason = 'authentication failed';
    expect(await secure.readHex(8 + reason.length)).toBe('00000001' + u32(reason.length) + Buffer.from(reason).toString('hex'));

    const other = connect();
    await negotiate(other);
    other.write(u32(262)); // X509Plain: not offered
    expect(await other.readHex(1)).toBe('00');
    await other.expectClosed();
  });

  it('refuses VeNCrypt versions other than 0.2', async () => {
    start({ tls: { creds: serverCreds } });
    const client = connect();
    await client.chooseVencrypt('0001');
    expect(await client.readHex(1)).toBe('01');
    await client.expectClosed();
  });

  it('refuses x509 sub-types without x509 credentials when configured', () => {
    expect(() => start({ tls: { creds: serverCreds }, vencrypt: ['x509-none'] })).toThrow(
      'VeNCrypt sub-type x509-none needs x509 TLS credentials (tls-creds-x509)',
    );
  });
});
