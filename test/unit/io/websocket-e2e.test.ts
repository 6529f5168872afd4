/**
 * End to end through `serveWeb`: VncServers reached by the `ws` package's
 * client over ws and wss do the RFB handshake (version, security None,
 * ServerInit); two displays on one port each answer with their own name; the
 * page and noVNC's modules come from the same port, read by Node's own HTTP
 * client.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket, createWebSocketStream } from 'ws';
import { DEFAULT_X509_PRIORITY, type TlsCreds } from '../../../src/crypto';
import { WebsocketListener, type Channel, type SocketAddress } from '../../../src/io';
import { Display, VncServer, serveWeb, type ClientInfo, type Logger, type VncWebServer } from '../../../src/vnc';
import { TestClient } from '../../helpers/rfb-client';

let dir = '';
let cert = '';
let key = '';
const servers: VncServer[] = [];
const webs: VncWebServer[] = [];
const sockets: WebSocket[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vncd-web-'));
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1',
  ], { stdio: 'ignore' });
  cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
  key = readFileSync(join(dir, 'key.pem'), 'utf8');
  writeFileSync(join(dir, 'vnc.html'), '<!doctype html><title>noVNC page</title>');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

afterEach(async () => {
  for (const socket of sockets.splice(0)) {
    socket.on('error', () => undefined);
    socket.terminate();
  }
  for (const web of webs.splice(0)) await web.close();
  for (const server of servers.splice(0)) await server.close();
});

function vncServer(name: string, width = 8, height = 6): VncServer {
  const server = new VncServer({ display: new Display({ width, height, name }) });
  servers.push(server);
  return server;
}

async function web(options: Omit<Parameters<typeof serveWeb>[0], 'listen'>): Promise<{ web: VncWebServer; port: number }> {
  const started = await serveWeb({ listen: { host: '127.0.0.1', port: 0 }, ...options });
  webs.push(started);
  return { web: started, port: portOf(started.addresses[0]) };
}

function portOf(address: SocketAddress | undefined): number {
  if (address === undefined || !('port' in address)) throw new Error('no TCP address');
  return address.port;
}

/** A `ws` client's byte stream, as TestClient reads it. */
async function connect(url: string, options: ConstructorParameters<typeof WebSocket>[2] = {}): Promise<TestClient> {
  const socket = new WebSocket(url, options);
  sockets.push(socket);
  // At once: the server's first message may come in the same event as 'open'.
  const client = new TestClient(createWebSocketStream(socket));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  return client;
}

/** Credentials as TlsCredsX509 would give them, asking for client certificates (verifyPeer) when told. */
function creds(verifyPeer: boolean): TlsCreds {
  return {
    kind: 'x509',
    endpoint: 'server',
    verifyPeer,
    priority: DEFAULT_X509_PRIORITY,
    tlsServerOptions: () => ({ cert, key, ca: [cert], requestCert: verifyPeer, rejectUnauthorized: verifyPeer }),
    tlsClientOptions: () => {
      throw new Error('server credentials');
    },
  };
}

function fetch(url: string): Promise<{ status: number; type: string | undefined; body: string }> {
  const get = url.startsWith('https:') ? https.get : http.get;
  return new Promise((resolve, reject) => {
    get(url, { ca: cert }, (response) => {
      const parts: Buffer[] = [];
      response.on('data', (part: Buffer) => parts.push(part));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, type: response.headers['content-type'], body: Buffer.concat(parts).toString() }));
    }).on('error', reject);
  });
}

describe('one display', () => {
  test('a ws client does the RFB handshake at any path (noVNC asks for /websockify)', async () => {
    const server = vncServer('single display', 8, 6);
    const connected = new Promise<ClientInfo>((resolve) => server.once('connected', resolve));
    const { port } = await web({ displays: server });
    const client = await connect(`ws://127.0.0.1:${port}/websockify`);
    const init = await client.handshakeNone();
    expect(init).toMatchObject({ width: 8, height: 6, name: 'single display' });
    expect(init.pixelFormat.toString('hex')).toBe('2018000100ff00ff00ff100800000000');
    expect((await connected).websocket).toBe(true);
    const other = await connect(`ws://127.0.0.1:${port}/any/other/path`, { protocol: 'binary' });
    expect((await other.handshakeNone()).name).toBe('single display');
  });

  test('the page and noVNC modules come from the same port, with their content types', async () => {
    const { port } = await web({ displays: vncServer('page'), webRoot: dir });
    const page = await fetch(`http://127.0.0.1:${port}/`);
    expect(page).toEqual({ status: 200, type: 'text/html; charset=utf-8', body: '<!doctype html><title>noVNC page</title>' });
    const rfb = await fetch(`http://127.0.0.1:${port}/novnc/core/rfb.js`);
    expect(rfb.status).toBe(200);
    expect(rfb.type).toBe('text/javascript; charset=utf-8');
    expect(rfb.body).toBe(readFileSync(require.resolve('@novnc/novnc'), 'utf8'));
    const pako = await fetch(`http://127.0.0.1:${port}/novnc/vendor/pako/lib/zlib/inflate.js`);
    expect(pako.status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/novnc/package.json`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/novnc/../vnc.html`)).status).toBe(200); // the client normalises the ..
  });

  test('refusals are logged with the peer, the status and the reason', async () => {
    const lines: string[] = [];
    const logger: Logger = { debug: () => undefined, info: (line) => lines.push(line), warn: () => undefined, error: () => undefined };
    const { port } = await web({ displays: { a: vncServer('a') }, logger });
    const socket = new WebSocket(`ws://127.0.0.1:${port}/vnc/zzz`);
    sockets.push(socket);
    const status = await new Promise<number>((resolve) => socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0)));
    expect(status).toBe(404);
    expect(lines).toEqual([expect.stringMatching(/^ws 127\.0\.0\.1:\d+ \/vnc\/zzz: answered 404: no websocket is served at \/vnc\/zzz$/)]);
  });
});

describe('two displays on one port', () => {
  test('/vnc/a and /vnc/b each serve their own ServerInit; other paths get 404', async () => {
    const { web: started, port } = await web({ displays: { a: vncServer('display A', 10, 4), b: vncServer('display B', 6, 12) } });
    expect([...started.paths]).toEqual([
      ['a', '/vnc/a'],
      ['b', '/vnc/b'],
    ]);
    const a = await connect(`ws://127.0.0.1:${port}/vnc/a`);
    const b = await connect(`ws://127.0.0.1:${port}/vnc/b`);
    expect(await a.handshakeNone()).toMatchObject({ name: 'display A', width: 10, height: 4 });
    expect(await b.handshakeNone()).toMatchObject({ name: 'display B', width: 6, height: 12 });
    await expect(connect(`ws://127.0.0.1:${port}/websockify`)).rejects.toThrow(/Unexpected server response: 404/);
  });

  test('bad display names and an empty list are refused', async () => {
    await expect(serveWeb({ listen: { host: '127.0.0.1', port: 0 }, displays: { 'a/b': vncServer('x') } })).rejects.toMatchObject({
      code: 'VNC_INVALID_OPTION',
      message: expect.stringMatching(/display name "a\/b"/),
    });
    await expect(serveWeb({ listen: { host: '127.0.0.1', port: 0 }, displays: {} })).rejects.toMatchObject({ code: 'VNC_INVALID_OPTION' });
  });
});

describe('wss', () => {
  test('TLS first, then the upgrade: the handshake works and the session sees tcp+tls+websocket', async () => {
    const server = vncServer('secure');
    const connected = new Promise<ClientInfo>((resolve) => server.once('connected', resolve));
    const { web: started, port } = await web({ displays: server, webRoot: dir, tls: { creds: creds(false) } });
    expect(started.secure).toBe(true);
    const client = await connect(`wss://127.0.0.1:${port}/websockify`, { ca: cert });
    expect((await client.handshakeNone()).name).toBe('secure');
    expect((await connected).websocket).toBe(true);
    const page = await fetch(`https://127.0.0.1:${port}/vnc.html`);
    expect(page.status).toBe(200);
  });

  test.each([
    ['credentials with verifyPeer alone do not ask for a client certificate', false, undefined],
    ['requireClientCertificate asks for one and checks it', true, 'CN=localhost'],
  ])('%s', async (_name, requireClientCertificate, peerDn) => {
    // The client has a certificate it would send if asked: the channel's facts tell whether it was.
    const listener = await WebsocketListener.listen({ host: '127.0.0.1', port: 0 }, { tls: { creds: creds(true), requireClientCertificate } });
    try {
      const opened = new Promise<Channel>((resolve) => listener.once('channel', resolve));
      const socket = new WebSocket(`wss://127.0.0.1:${portOf(listener.addresses[0])}/`, { ca: cert, cert, key });
      sockets.push(socket);
      const channel = await opened;
      expect(channel.facts.layers).toEqual(['tcp', 'tls', 'websocket']);
      expect(channel.facts.tls?.peerDn).toBe(peerDn);
      channel.close();
    } finally {
      await listener.close();
    }
  });

  test('requireClientCertificate: a client without one is refused during TLS', async () => {
    const lines: string[] = [];
    const logger: Logger = { debug: () => undefined, info: (line) => lines.push(line), warn: () => undefined, error: () => undefined };
    const { port } = await web({ displays: vncServer('x'), tls: { creds: creds(true), requireClientCertificate: true }, logger });
    await expect(connect(`wss://127.0.0.1:${port}/`, { ca: cert })).rejects.toThrow();
    await waitFor(() => lines.length > 0);
    expect(lines[0]).toMatch(/^wss 127\.0\.0\.1:\d+: closed: TLS failed: /);
  });

  test('a plain HTTP request on the wss port is refused by TLS, and the port keeps serving', async () => {
    const { port } = await web({ displays: vncServer('still'), tls: { creds: creds(false) } });
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
    const client = await connect(`wss://127.0.0.1:${port}/`, { ca: cert });
    expect((await client.handshakeNone()).name).toBe('still');
  });

  test('requireClientCertificate without verifyPeer credentials is refused', async () => {
    await expect(
      serveWeb({ listen: { host: '127.0.0.1', port: 0 }, displays: vncServer('x'), tls: { creds: creds(false), requireClientCertificate: true } }),
    ).rejects.toMatchObject({ code: 'IO_INVALID_OPTION', message: expect.stringMatching(/needs x509 credentials with verifyPeer/) });
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
