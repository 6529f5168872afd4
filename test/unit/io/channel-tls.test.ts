import type { Duplex } from 'node:stream';
import { CryptoError, CryptoErrorCode, TlsCredsAnon, TlsCredsX509 } from '../../../src/crypto';
import {
  IoError,
  IoErrorCode,
  StreamChannel,
  createDuplexPair,
  socketChannel,
  tlsClientChannel,
  tlsServerChannel,
  type Channel,
} from '../../../src/io';
import { CLIENT_DN, makeCa, makePki, SERVER_DN, TempDirs, writePki, type Pki } from '../../helpers/cert-factory';
import { SocketJar, tick } from '../../helpers/sockets';

let pki: Pki;
let serverCreds: TlsCredsX509;
let clientCreds: TlsCredsX509;
const jar = new SocketJar();
const temp = new TempDirs();

beforeAll(() => {
  pki = makePki();
  serverCreds = new TlsCredsX509({ dir: pki.dir, endpoint: 'server' });
  clientCreds = new TlsCredsX509({ dir: pki.dir, endpoint: 'client' });
});

afterEach(() => jar.closeAll());

afterAll(() => {
  pki.cleanup();
  temp.removeAll();
});

interface Ends {
  readonly server: Channel;
  readonly client: Channel;
  /** The streams under the channels. */
  readonly serverStream: Duplex;
  readonly clientStream: Duplex;
  /** Lets bytes in flight arrive. */
  settle(): Promise<void>;
}

const transports = [
  {
    name: 'memory pair',
    layer: 'memory',
    async open(): Promise<Ends> {
      const [a, b] = createDuplexPair();
      return {
        server: new StreamChannel(a, { kind: 'memory', layers: ['memory'], local: { family: 'memory', name: 'a' } }),
        client: new StreamChannel(b, { kind: 'memory', layers: ['memory'] }),
        serverStream: a,
        clientStream: b,
        settle: () => tick(3),
      };
    },
  },
  {
    name: 'tcp',
    layer: 'tcp',
    async open(): Promise<Ends> {
      const { server, client } = await jar.tcpPair();
      return {
        server: socketChannel(server),
        client: socketChannel(client),
        serverStream: server,
        clientStream: client,
        settle: () => new Promise((resolve) => setTimeout(resolve, 30)),
      };
    },
  },
] as const;

/** Records what detach() handed over: the bytes put back in front of the stream. */
function watchDetach(channel: Channel): { channel: Channel; putBack: () => number } {
  let putBack = -1;
  const original = channel.detach.bind(channel);
  channel.detach = (): Duplex => {
    const stream = original();
    putBack = stream.readableLength;
    return stream;
  };
  return { channel, putBack: () => putBack };
}

async function text(channel: Channel, length: number): Promise<string> {
  return (await channel.read(length)).toString();
}

describe.each(transports)('TLS channel over $name', (transport) => {
  test('bytes read ahead before the TLS start are handed to TLS (a VeNCrypt sub-type, then the ClientHello)', async () => {
    const ends = await transport.open();
    // The client sends its choice and starts TLS at once, as TigerVNC does.
    ends.client.write(Buffer.from('S'));
    const clientTls = tlsClientChannel(ends.client, clientCreds);
    await ends.settle(); // the ClientHello has arrived behind the "S"
    expect(await text(ends.server, 1)).toBe('S');
    const watched = watchDetach(ends.server);
    const serverTls = await tlsServerChannel(watched.channel, serverCreds);
    // The channel had taken the ClientHello along with the "S": it went back to TLS.
    expect(watched.putBack()).toBeGreaterThan(0);
    const client = await clientTls;
    client.write(Buffer.from('hello over TLS'));
    expect(await text(serverTls, 14)).toBe('hello over TLS');
    serverTls.write(Buffer.from('and back'));
    expect(await text(client, 8)).toBe('and back');
    serverTls.close();
    client.close();
  });

  test('facts: the inner facts plus the tls layer, protocol, cipher and peer DN', async () => {
    const ends = await transport.open();
    const innerServer = ends.server.facts;
    const [server, client] = await Promise.all([
      tlsServerChannel(ends.server, serverCreds),
      tlsClientChannel(ends.client, clientCreds, { servername: 'localhost' }),
    ]);
    expect(server.facts).toEqual({
      ...innerServer,
      kind: 'tls',
      layers: [transport.layer, 'tls'],
      tls: { protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', peerDn: CLIENT_DN },
    });
    expect(client.facts.kind).toBe('tls');
    expect(client.facts.tls).toEqual({ protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', peerDn: SERVER_DN });
    expect(server.maxRead).toBe(ends.server.maxRead);
    server.close();
    client.close();
  });

  test('closing the TLS channel closes the transport under it', async () => {
    const ends = await transport.open();
    const [server, client] = await Promise.all([tlsServerChannel(ends.server, serverCreds), tlsClientChannel(ends.client, clientCreds)]);
    const closed = new Promise<void>((resolve) => server.once('close', () => resolve()));
    server.close();
    await closed;
    await ends.settle();
    expect(ends.serverStream.destroyed).toBe(true);
    await expect(client.read(1)).rejects.toBeInstanceOf(IoError);
    client.close();
    await ends.settle();
    expect(ends.clientStream.destroyed).toBe(true);
  });

  test('a transport that fails closes the TLS channel', async () => {
    const ends = await transport.open();
    const [server, client] = await Promise.all([tlsServerChannel(ends.server, serverCreds), tlsClientChannel(ends.client, clientCreds)]);
    const closed = new Promise<void>((resolve) => server.once('close', () => resolve()));
    const pending = server.read(4);
    ends.serverStream.destroy();
    await closed;
    expect(server.isOpen).toBe(false);
    await expect(pending).rejects.toMatchObject({ code: IoErrorCode.CLOSED });
    client.close();
  });

  test('shutdown ends our side (the peer reads EOF) while reading goes on', async () => {
    const ends = await transport.open();
    const [server, client] = await Promise.all([tlsServerChannel(ends.server, serverCreds), tlsClientChannel(ends.client, clientCreds)]);
    server.write(Buffer.from('bye'));
    await server.shutdown();
    expect(await text(client, 3)).toBe('bye');
    await expect(client.read(1)).rejects.toMatchObject({ code: IoErrorCode.EOF });
    client.write(Buffer.from('late'));
    expect(await text(server, 4)).toBe('late');
    server.close();
    client.close();
  });

  test('a refused handshake rejects with the CryptoError and closes the transport', async () => {
    const ends = await transport.open();
    const dir = temp.make('vncd-chan-');
    writePki(dir, { cas: [pki.ca], client: makeCa({ cn: 'Other CA' }).issue('client') });
    const rogue = new TlsCredsX509({ dir, endpoint: 'client', sanityCheck: false });
    const [server, client] = await Promise.allSettled([tlsServerChannel(ends.server, serverCreds), tlsClientChannel(ends.client, rogue)]);
    expect(server.status).toBe('rejected');
    const error = (server as PromiseRejectedResult).reason as CryptoError;
    expect(error).toBeInstanceOf(CryptoError);
    expect(error.code).toBe(CryptoErrorCode.TLS_PEER_REFUSED);
    await ends.settle();
    expect(ends.serverStream.destroyed).toBe(true);
    if (client.status === 'fulfilled') {
      // TLS 1.3: the client finishes first, then finds the connection gone.
      await expect(client.value.read(1)).rejects.toBeInstanceOf(IoError);
      client.value.close();
    }
  });

  test('a client that refuses our certificate and hangs up fails the server handshake at once, not at the timeout', async () => {
    const ends = await transport.open();
    const dir = temp.make('vncd-chan-');
    writePki(dir, { cas: [pki.ca], server: makeCa({ cn: 'Other CA' }).issue('server') });
    const rogueServer = new TlsCredsX509({ dir, endpoint: 'server', verifyPeer: false, sanityCheck: false });
    const started = Date.now();
    const [server, client] = await Promise.allSettled([
      tlsServerChannel(ends.server, rogueServer, { timeoutMs: 5000 }),
      tlsClientChannel(ends.client, clientCreds),
    ]);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(client).toMatchObject({ status: 'rejected', reason: { code: CryptoErrorCode.TLS_PEER_REFUSED } });
    expect(server).toMatchObject({
      status: 'rejected',
      reason: { code: CryptoErrorCode.TLS_HANDSHAKE, message: 'the client closed the connection during the TLS handshake' },
    });
  });
});

test('anonymous TLS channels (the VeNCrypt TLS* sub-types) have no peer DN', async () => {
  const [a, b] = createDuplexPair();
  const [server, client] = await Promise.all([
    tlsServerChannel(new StreamChannel(a, { kind: 'memory', layers: ['memory'] }), new TlsCredsAnon({ endpoint: 'server' })),
    tlsClientChannel(new StreamChannel(b, { kind: 'memory', layers: ['memory'] }), new TlsCredsAnon({ endpoint: 'client' })),
  ]);
  expect(server.facts.tls).toEqual({ protocol: 'TLSv1.2', cipher: 'ADH-AES256-GCM-SHA384' });
  expect(client.facts.tls).toEqual({ protocol: 'TLSv1.2', cipher: 'ADH-AES256-GCM-SHA384' });
  server.close();
  client.close();
});

test('a channel that cannot be handed over stays as it was', async () => {
  const [a] = createDuplexPair();
  const channel = new StreamChannel(a, { kind: 'memory', layers: ['memory'] });
  // Wrong endpoint: refused before anything is detached.
  await expect(tlsServerChannel(channel, clientCreds)).rejects.toMatchObject({ code: CryptoErrorCode.TLS_OPTION_INVALID });
  expect(channel.isOpen).toBe(true);
  // A read pending: detach refuses.
  const pending = channel.read(1);
  await expect(tlsServerChannel(channel, serverCreds)).rejects.toMatchObject({ code: IoErrorCode.READ_BUSY });
  expect(channel.isOpen).toBe(true);
  channel.close();
  await expect(pending).rejects.toMatchObject({ code: IoErrorCode.CLOSED });
});
