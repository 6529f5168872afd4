import { spawnSync } from 'node:child_process';
import { promises as dnsPromises } from 'node:dns';
import { existsSync, lstatSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IoErrorCode, Listener, connectChannel, type Channel, type SocketAddress } from '../../../src/io';
import { SocketJar, closedPort, hasIpv6Loopback, portOf, tick } from '../../helpers/sockets';

const jar = new SocketJar();
const open: Array<Listener | Channel> = [];
let dir = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vncd-listener-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  for (const item of open.splice(0)) {
    if (item instanceof Listener) await item.close();
    else item.close();
  }
  await jar.closeAll();
});

async function listen(...args: Parameters<typeof Listener.listen>): Promise<Listener> {
  const listener = await Listener.listen(...args);
  open.push(listener);
  return listener;
}

function nextChannel(listener: Listener): Promise<Channel> {
  return new Promise((resolve) =>
    listener.once('channel', (channel) => {
      open.push(channel);
      resolve(channel);
    }),
  );
}

async function connect(address: SocketAddress | undefined): Promise<Channel> {
  if (address === undefined || address.family === 'memory') throw new Error('no address to connect to');
  const channel = await connectChannel(address.family === 'unix' ? { path: address.path } : address);
  open.push(channel);
  return channel;
}

/** Whether something accepts TCP connections on host:port right now. */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.connect({ host, port });
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

describe('Listener on TCP', () => {
  it('listens on 127.0.0.1 port 0 and hands out channels with the right facts', async () => {
    const listener = await listen([{ host: '127.0.0.1', port: 0 }]);
    expect(listener.addresses).toHaveLength(1);
    const [address] = listener.addresses;
    expect(address).toEqual({ family: 'ipv4', host: '127.0.0.1', port: expect.any(Number) });
    const port = portOf(address);
    expect(port).toBeGreaterThan(0);

    const accepted = nextChannel(listener);
    const client = await connect(address);
    const server = await accepted;
    expect(server.facts).toEqual({
      kind: 'tcp',
      layers: ['tcp'],
      local: { family: 'ipv4', host: '127.0.0.1', port },
      peer: { family: 'ipv4', host: '127.0.0.1', port: portOf(client.facts.local) },
    });
    client.write(Buffer.from('RFB?'));
    expect((await server.read(4)).toString()).toBe('RFB?');
  });

  it('listens on 127.0.0.1 and ::1 with one shared port', async () => {
    const v6 = await hasIpv6Loopback();
    const addresses = [{ host: '127.0.0.1', port: 0 }, ...(v6 ? [{ host: '::1', port: 0 }] : [])];
    if (!v6) console.warn('skipped the ::1 part: no IPv6 loopback on this machine');
    const listener = await listen(addresses);
    const port = portOf(listener.addresses[0]);
    const expected: SocketAddress[] = [{ family: 'ipv4', host: '127.0.0.1', port }];
    if (v6) expected.push({ family: 'ipv6', host: '::1', port });
    expect(listener.addresses).toEqual(expected);
    for (const address of expected) {
      const accepted = nextChannel(listener);
      await connect(address);
      expect((await accepted).facts.local).toEqual(address);
    }
  });

  it('listens on every address a host name resolves to', async () => {
    const resolved = await dnsPromises.lookup('localhost', { all: true });
    const listener = await listen([{ host: 'localhost', port: 0 }]);
    const port = portOf(listener.addresses[0]);
    expect(listener.addresses).toEqual(
      resolved.map((entry) => ({ family: entry.family === 6 ? 'ipv6' : 'ipv4', host: entry.address, port })),
    );
  });

  it('fails with IO_LISTEN_FAILED on a taken port and closes what it had bound', async () => {
    const taken = jar.track(net.createServer());
    await new Promise<void>((resolve) => taken.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const takenPort = (taken.address() as net.AddressInfo).port;
    const freePort = await closedPort();
    const attempt = Listener.listen([
      { host: '127.0.0.1', port: freePort },
      { host: '127.0.0.1', port: takenPort },
    ]);
    await expect(attempt).rejects.toMatchObject({ code: IoErrorCode.LISTEN_FAILED });
    await expect(attempt).rejects.toThrow(
      `cannot listen on 127.0.0.1:${takenPort}: listen EADDRINUSE: address already in use 127.0.0.1:${takenPort}`,
    );
    expect(await accepts('127.0.0.1', freePort)).toBe(false);
  });

  it('rejects addresses it cannot use with IO_INVALID_ADDRESS', async () => {
    await expect(Listener.listen([])).rejects.toMatchObject({ code: IoErrorCode.INVALID_ADDRESS });
    await expect(Listener.listen([{ host: '127.0.0.1', port: 65536 }])).rejects.toThrow(
      'cannot listen on 127.0.0.1:65536: port must be 0 to 65535',
    );
    await expect(Listener.listen([{ host: 'no-such-host.invalid', port: 0 }])).rejects.toMatchObject({
      code: IoErrorCode.INVALID_ADDRESS,
      message: expect.stringMatching(/^cannot listen on no-such-host\.invalid:0: /),
    });
  });

  it('close() stops accepting but leaves handed-out channels open', async () => {
    const listener = await listen([{ host: '127.0.0.1', port: 0 }]);
    const address = listener.addresses[0];
    const accepted = nextChannel(listener);
    const client = await connect(address);
    const server = await accepted;
    await listener.close();
    await listener.close();
    expect(await accepts('127.0.0.1', portOf(address))).toBe(false);
    server.write(Buffer.from('still here'));
    expect((await client.read(10)).toString()).toBe('still here');
    expect(server.isOpen).toBe(true);
  });

  it('closes a channel nobody takes', async () => {
    const listener = await listen([{ host: '127.0.0.1', port: 0 }]);
    const client = await connect(listener.addresses[0]);
    await expect(client.read(1)).rejects.toMatchObject({ code: IoErrorCode.EOF });
  });

  it('closes when its AbortSignal fires, and refuses to start on an aborted one', async () => {
    const controller = new AbortController();
    const listener = await listen([{ host: '127.0.0.1', port: 0 }], { signal: controller.signal });
    const port = portOf(listener.addresses[0]);
    controller.abort();
    await tick(5);
    expect(await accepts('127.0.0.1', port)).toBe(false);
    const again = Listener.listen([{ host: '127.0.0.1', port: 0 }], { signal: controller.signal });
    await expect(again).rejects.toMatchObject({ code: IoErrorCode.ABORTED });
  });

  it('closes through Symbol.asyncDispose', async () => {
    const listener = await listen([{ host: '127.0.0.1', port: 0 }]);
    const port = portOf(listener.addresses[0]);
    await listener[Symbol.asyncDispose]();
    expect(await accepts('127.0.0.1', port)).toBe(false);
  });

  it('reports a server error after setup as IO_ACCEPT_FAILED, and only to a listener', async () => {
    const listener = await listen([{ host: '127.0.0.1', port: 0 }]);
    const port = portOf(listener.addresses[0]);
    // Reach the net.Server the way libuv would on EMFILE.
    const server = (listener as unknown as { bound: Array<{ server: net.Server }> }).bound[0]?.server;
    expect(server).toBeInstanceOf(net.Server);
    expect(() => server?.emit('error', new Error('accept EMFILE'))).not.toThrow();
    const errors: unknown[] = [];
    listener.on('error', (error) => errors.push(error));
    server?.emit('error', new Error('accept EMFILE'));
    expect(errors).toEqual([expect.objectContaining({ code: IoErrorCode.ACCEPT_FAILED })]);
    expect((errors[0] as Error).message).toBe(`listener on 127.0.0.1:${port} failed: accept EMFILE`);
  });
});

describe('Listener on a UNIX path', () => {
  it('accepts there, describes the channel, and removes the file on close', async () => {
    const path = join(dir, 'vnc.sock');
    const listener = await listen([{ path }]);
    expect(listener.addresses).toEqual([{ family: 'unix', path }]);
    expect(lstatSync(path).isSocket()).toBe(true);
    const accepted = nextChannel(listener);
    const client = await connect({ family: 'unix', path });
    const server = await accepted;
    expect(server.facts).toEqual({ kind: 'unix', layers: ['unix'], local: { family: 'unix', path } });
    client.write(Buffer.from('x'));
    expect((await server.read(1)).toString()).toBe('x');
    await listener.close();
    expect(existsSync(path)).toBe(false);
  });

  it('removes a stale socket file left by a dead server', async () => {
    const path = join(dir, 'stale.sock');
    // A server that dies without closing leaves its socket file behind.
    const listenAndDie = `require('net').createServer()
      .listen(${JSON.stringify(path)}, () => process.kill(process.pid, 9))`;
    spawnSync(process.execPath, ['-e', listenAndDie]);
    expect(lstatSync(path).isSocket()).toBe(true);
    const listener = await listen([{ path }]);
    const accepted = nextChannel(listener);
    await connect({ family: 'unix', path });
    expect((await accepted).isOpen).toBe(true);
  });

  it('leaves a live server and a plain file alone', async () => {
    const live = join(dir, 'live.sock');
    const other = jar.track(net.createServer());
    await new Promise<void>((resolve) => other.listen({ path: live }, resolve));
    await expect(Listener.listen([{ path: live }])).rejects.toMatchObject({
      code: IoErrorCode.LISTEN_FAILED,
      message: `cannot listen on unix:${live}: another server is listening there`,
    });
    expect(lstatSync(live).isSocket()).toBe(true);

    const file = join(dir, 'not-a-socket');
    writeFileSync(file, 'keep me');
    await expect(Listener.listen([{ path: file }])).rejects.toThrow(`cannot listen on unix:${file}: listen EADDRINUSE`);
    expect(lstatSync(file).isFile()).toBe(true);
  });
});
