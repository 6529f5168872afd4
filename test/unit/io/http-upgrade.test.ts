/**
 * The HTTP upgrade on the web port, as raw requests over TCP: each bad request
 * gets its precise answer (or a close), good ones get 101 with the right
 * accept key and subprotocol, and the channel carries the request's facts.
 */
import { WebsocketListener, type Channel, type WebRefusal, type WebsocketListenerOptions } from '../../../src/io';
import { RawClient, SAMPLE_ACCEPT, SAMPLE_KEY, Op, acceptFor, frame, upgradeRequest } from './websocket-wire';

const opened: WebsocketListener[] = [];
const clients: RawClient[] = [];
const channels: Channel[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const channel of channels.splice(0)) channel.close();
  for (const web of opened.splice(0)) await web.close();
});

interface Rig {
  readonly web: WebsocketListener;
  readonly port: number;
  readonly channels: Channel[];
  readonly refusals: WebRefusal[];
}

async function start(options: WebsocketListenerOptions = {}): Promise<Rig> {
  const web = await WebsocketListener.listen({ host: '127.0.0.1', port: 0 }, options);
  opened.push(web);
  const rig: Rig = { web, port: portOf(web), channels: [], refusals: [] };
  web.on('channel', (channel) => {
    channels.push(channel);
    rig.channels.push(channel);
  });
  web.on('refused', (refusal) => rig.refusals.push(refusal));
  return rig;
}

function portOf(web: WebsocketListener): number {
  const address = web.addresses[0];
  if (address === undefined || !('port' in address)) throw new Error('no TCP address');
  return address.port;
}

async function connect(rig: Rig): Promise<RawClient> {
  const client = await RawClient.connect(rig.port);
  clients.push(client);
  return client;
}

/** Sends a request and returns the answer with its body; the connection must then end. */
async function ask(rig: Rig, request: string | Buffer): Promise<{ status: number; headers: Readonly<Record<string, string>>; body: string }> {
  const client = await connect(rig);
  client.send(request);
  const answer = await client.readResponse();
  await client.expectEnded();
  return { status: answer.status, headers: answer.headers, body: answer.body.toString() };
}

/** A valid upgrade still works: the refusal before it left the listener unharmed. */
async function expectStillServes(rig: Rig): Promise<void> {
  const client = await connect(rig);
  client.send(upgradeRequest('/'));
  expect((await client.readHttp()).status).toBe(101);
}

describe('refused upgrades', () => {
  test.each<[string, string, number, RegExp]>([
    ['no Sec-WebSocket-Key', upgradeRequest('/', { 'Sec-WebSocket-Key': null }), 400, /no Sec-WebSocket-Key/],
    ['a key that is not base64 of 16 bytes ("abc")', upgradeRequest('/', { 'Sec-WebSocket-Key': 'abc' }), 400, /base64 form of 16 bytes/],
    ['a key of 15 bytes', upgradeRequest('/', { 'Sec-WebSocket-Key': Buffer.alloc(15, 1).toString('base64') }), 400, /16 bytes/],
    ['a key of 17 bytes', upgradeRequest('/', { 'Sec-WebSocket-Key': Buffer.alloc(17, 1).toString('base64') }), 400, /16 bytes/],
    ['POST', upgradeRequest('/', {}, 'POST / HTTP/1.1'), 405, /must use GET, not POST/],
    ['HTTP/1.0', upgradeRequest('/', {}, 'GET / HTTP/1.0'), 505, /needs HTTP\/1\.1/],
    ['HTTP/2.0', upgradeRequest('/', {}, 'GET / HTTP/2.0'), 505, /version 2\.0 is not supported/],
    ['Upgrade: h2c', upgradeRequest('/', { Upgrade: 'h2c' }), 400, /Upgrade header does not name websocket/],
    ['Connection: keep-alive only', upgradeRequest('/', { Connection: 'keep-alive' }), 400, /Connection header does not hold the token Upgrade/],
    ['no Host', upgradeRequest('/', { Host: null }), 400, /no Host header/],
    ['two keys', upgradeRequest('/', { 'Sec-WebSocket-Key': `${SAMPLE_KEY}\r\nSec-WebSocket-Key: ${SAMPLE_KEY}` }), 400, /more than one Sec-WebSocket-Key header/],
    ['a NUL in a header', upgradeRequest('/', { 'X-Test': 'a\0b' }), 400, /control characters/],
    ['a folded header line', upgradeRequest('/', { 'X-Test': 'a\r\n  b' }), 400, /folded/],
    ['a malformed request line', upgradeRequest('/', {}, 'GET  / HTTP/1.1'), 400, /request line/],
    ['an absolute-form target', upgradeRequest('/', {}, 'GET http://x/ HTTP/1.1'), 400, /target/],
    ['two versions', upgradeRequest('/', { 'Sec-WebSocket-Version': '13\r\nSec-WebSocket-Version: 13' }), 400, /more than one Sec-WebSocket-Version/],
    ['two Origins', upgradeRequest('/', { Origin: 'http://a\r\nOrigin: http://b' }), 400, /more than one Origin/],
    ['a bad subprotocol list', upgradeRequest('/', { 'Sec-WebSocket-Protocol': 'bin ary' }), 400, /list of tokens/],
  ])('%s: %i', async (_name, request, status, reason) => {
    const rig = await start();
    const answer = await ask(rig, request);
    expect(answer.status).toBe(status);
    expect(answer.body).toMatch(reason);
    expect(answer.headers.connection).toBe('close');
    expect(rig.refusals).toEqual([expect.objectContaining({ status, reason: expect.stringMatching(reason) })]);
    expect(rig.channels).toHaveLength(0);
    await expectStillServes(rig);
  });

  test('POST also says which method is allowed', async () => {
    const answer = await ask(await start(), upgradeRequest('/', {}, 'POST / HTTP/1.1'));
    expect(answer.headers.allow).toBe('GET');
  });

  test.each([
    ['version 8', '8'],
    ['version 14', '14'],
    ['no version', null],
  ])('%s: 426 with Sec-WebSocket-Version: 13', async (_name, version) => {
    const answer = await ask(await start(), upgradeRequest('/', { 'Sec-WebSocket-Version': version }));
    expect(answer.status).toBe(426);
    expect(answer.headers['sec-websocket-version']).toBe('13');
  });

  test('a head over 4096 bytes: 431', async () => {
    const rig = await start();
    const answer = await ask(rig, upgradeRequest('/', { 'X-Padding': 'p'.repeat(5000) }));
    expect(answer.status).toBe(431);
    expect(answer.body).toMatch(/larger than 4096 bytes/);
    await expectStillServes(rig);
  });

  test('2 500 header lines (ws CVE-2024-37890): 431', async () => {
    const many = Object.fromEntries(Array.from({ length: 2500 }, (_, i) => [`X-${i}`, 'v']));
    expect((await ask(await start(), upgradeRequest('/', many))).status).toBe(431);
  });

  test('a head of exactly 4096 bytes is accepted, one more byte is not', async () => {
    const rig = await start();
    const base = upgradeRequest('/', { 'X-Padding': '' }).length;
    const exact = upgradeRequest('/', { 'X-Padding': 'p'.repeat(4096 - base) });
    expect(exact.length).toBe(4096);
    const client = await connect(rig);
    client.send(exact);
    expect((await client.readHttp()).status).toBe(101);
    const over = upgradeRequest('/', { 'X-Padding': 'p'.repeat(4097 - base) });
    expect((await ask(rig, over)).status).toBe(431);
  });

  test('an unknown path: 404 when paths are configured', async () => {
    const rig = await start({ paths: ['/vnc/a', '/vnc/b'] });
    const answer = await ask(rig, upgradeRequest('/vnc/c'));
    expect(answer.status).toBe(404);
    expect(answer.body).toMatch(/no websocket is served at \/vnc\/c/);
    const client = await connect(rig);
    client.send(upgradeRequest('/vnc/b/?token=1'));
    expect((await client.readHttp()).status).toBe(101);
  });

  test('an Origin outside the allow-list: 403; a listed one and none at all: 101', async () => {
    const rig = await start({ origins: ['https://allowed.example:6080'] });
    const refused = await ask(rig, upgradeRequest('/', { Origin: 'https://evil.example' }));
    expect(refused.status).toBe(403);
    expect(refused.body).toMatch(/pages from https:\/\/evil\.example may not/);
    for (const origin of ['https://allowed.example:6080', 'HTTPS://Allowed.Example:6080', null]) {
      const client = await connect(rig);
      client.send(upgradeRequest('/', { Origin: origin }));
      expect((await client.readHttp()).status).toBe(101);
    }
  });

  test("origins 'same-host': the page must come from the Host asked for", async () => {
    const rig = await start({ origins: 'same-host' });
    const host = `127.0.0.1:${rig.port}`;
    expect((await ask(rig, upgradeRequest('/', { Host: host, Origin: 'http://evil.example' }))).status).toBe(403);
    expect((await ask(rig, upgradeRequest('/', { Host: host, Origin: 'null' }))).status).toBe(403);
    const client = await connect(rig);
    client.send(upgradeRequest('/', { Host: host, Origin: `http://${host}` }));
    expect((await client.readHttp()).status).toBe(101);
  });

  test('a slow head is answered 408 and closed after headTimeoutMs', async () => {
    const rig = await start({ headTimeoutMs: 200 });
    const client = await connect(rig);
    const started = Date.now();
    client.send('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const answer = await client.readResponse();
    await client.expectEnded();
    const elapsed = Date.now() - started;
    expect(answer.status).toBe(408);
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(2000);
    expect(rig.refusals).toEqual([expect.objectContaining({ status: 408, reason: expect.stringMatching(/within 200 ms \(33 bytes came\)/) })]);
  });

  test('a connection that sends nothing is closed after headTimeoutMs, without an answer', async () => {
    const rig = await start({ headTimeoutMs: 150 });
    const client = await connect(rig);
    await client.expectEnded();
    expect(rig.refusals).toEqual([{ peer: expect.objectContaining({ host: '127.0.0.1' }), reason: 'no request within 150 ms' }]);
  });

  test('a plain GET on a port without static files: 426', async () => {
    const answer = await ask(await start(), 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(answer.status).toBe(426);
    expect(answer.headers.upgrade).toBe('websocket');
  });

  test('connections before their upgrade are limited by maxPending', async () => {
    const rig = await start({ maxPending: 2 });
    await connect(rig);
    await connect(rig);
    const third = await connect(rig);
    await third.expectEnded();
    expect(rig.refusals).toEqual([expect.objectContaining({ reason: 'too many connections before their upgrade (limit 2)' })]);
  });

  test('close() closes the connections that have not upgraded', async () => {
    const rig = await start();
    const client = await connect(rig);
    client.send('GET / HT');
    await new Promise((resolve) => setTimeout(resolve, 20));
    await rig.web.close();
    await client.expectEnded();
  });
});

describe('accepted upgrades', () => {
  test('101 with the accept key of RFC 6455 §1.3, no subprotocol when none is offered, no extension', async () => {
    const rig = await start();
    const client = await connect(rig);
    client.send(upgradeRequest('/websockify', { 'Sec-WebSocket-Extensions': 'permessage-deflate; client_max_window_bits' }));
    const answer = await client.readHttp();
    expect(answer.statusLine).toBe('HTTP/1.1 101 Switching Protocols');
    expect(answer.headers['sec-websocket-accept']).toBe(SAMPLE_ACCEPT);
    expect(acceptFor(SAMPLE_KEY)).toBe(SAMPLE_ACCEPT);
    expect(answer.headers.upgrade).toBe('websocket');
    expect(answer.headers.connection).toBe('Upgrade');
    expect(answer.headers['sec-websocket-protocol']).toBeUndefined();
    expect(answer.headers['sec-websocket-extensions']).toBeUndefined();
  });

  test.each([
    ['binary', 'binary'],
    ['base64, binary', 'binary'],
    ['base64', undefined],
  ])('Sec-WebSocket-Protocol: %s selects %s', async (offered, selected) => {
    const rig = await start();
    const client = await connect(rig);
    client.send(upgradeRequest('/', { 'Sec-WebSocket-Protocol': offered }));
    expect((await client.readHttp()).headers['sec-websocket-protocol']).toBe(selected);
    await waitFor(() => rig.channels.length === 1);
    expect(rig.channels[0]?.facts.websocket?.subprotocol).toBe(selected);
  });

  test.each(['keep-alive, Upgrade', 'upgrade', 'Keep-Alive,UPGRADE'])('Connection: %s with Upgrade: WebSocket is accepted', async (connection) => {
    const rig = await start();
    const client = await connect(rig);
    client.send(upgradeRequest('/', { Connection: connection, Upgrade: 'WebSocket' }));
    expect((await client.readHttp()).status).toBe(101);
  });

  test('the channel carries the path, origin and subprotocol, over tcp+websocket', async () => {
    const rig = await start({ paths: ['/vnc/a'] });
    const client = await connect(rig);
    client.send(upgradeRequest('/vnc/a?x=1', { Origin: 'http://page.example', 'Sec-WebSocket-Protocol': 'binary' }));
    await client.readHttp();
    await waitFor(() => rig.channels.length === 1);
    const facts = rig.channels[0]?.facts;
    expect(facts).toMatchObject({
      kind: 'websocket',
      layers: ['tcp', 'websocket'],
      websocket: { path: '/vnc/a', origin: 'http://page.example', subprotocol: 'binary' },
      peer: { family: 'ipv4', host: '127.0.0.1' },
    });
  });

  test('frames sent in the same TCP write as the head reach the channel', async () => {
    const rig = await start();
    const client = await connect(rig);
    client.send(Buffer.concat([Buffer.from(upgradeRequest('/')), frame(Op.BINARY, 'early bytes')]));
    expect((await client.readHttp()).status).toBe(101);
    await waitFor(() => rig.channels.length === 1);
    const channel = rig.channels[0];
    if (channel === undefined) throw new Error('no channel');
    expect((await channel.read(11)).toString()).toBe('early bytes');
    channel.write(Buffer.from('answer'));
    const reply = await client.readFrame();
    expect(reply).toMatchObject({ opcode: Op.BINARY, fin: true, masked: false });
    expect(reply.payload.toString()).toBe('answer');
  });

  test('closing the channel sends close 1000; the peer closing ends its reads with IO_EOF', async () => {
    const rig = await start();
    const first = await connect(rig);
    first.send(upgradeRequest('/'));
    await first.readHttp();
    await waitFor(() => rig.channels.length === 1);
    rig.channels[0]?.close();
    expect(await first.readCloseCode()).toBe(1000);

    const second = await connect(rig);
    second.send(upgradeRequest('/'));
    await second.readHttp();
    await waitFor(() => rig.channels.length === 2);
    const channel = rig.channels[1];
    if (channel === undefined) throw new Error('no channel');
    const closed = new Promise<void>((resolve) => channel.once('close', () => resolve()));
    const read = channel.read(4);
    second.send(frame(Op.BINARY, 'ab'));
    second.send(frame(Op.CLOSE, Buffer.from([0x03, 0xe8])));
    await expect(read).rejects.toMatchObject({ code: 'IO_EOF' });
    await closed;
    expect(channel.isOpen).toBe(false);
  });

  test('no channel listener: the websocket is closed at once', async () => {
    const web = await WebsocketListener.listen({ host: '127.0.0.1', port: 0 });
    opened.push(web);
    const client = await RawClient.connect(portOf(web));
    clients.push(client);
    client.send(upgradeRequest('/'));
    expect((await client.readHttp()).status).toBe(101);
    expect(await client.readCloseCode()).toBe(1000);
  });
});

describe('options', () => {
  test.each<[string, WebsocketListenerOptions, RegExp]>([
    ['a path without a slash', { paths: ['vnc'] }, /must start with "\/"/],
    ['a path with a query', { paths: ['/vnc?x'] }, /no query/],
    ['an origin with a path', { origins: ['https://a.example/page'] }, /allowed origin/],
    ['maxPayload 0', { maxPayload: 0 }, /maxPayload must be a positive integer/],
    ['headTimeoutMs -1', { headTimeoutMs: -1 }, /headTimeoutMs must be a positive integer/],
  ])('%s is refused with IO_INVALID_OPTION', (_name, options, message) => {
    expect(() => new WebsocketListener(options)).toThrow(expect.objectContaining({ code: 'IO_INVALID_OPTION', message: expect.stringMatching(message) }));
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
