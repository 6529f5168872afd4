import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IoErrorCode, Listener, connectChannel, type Channel } from '../../../src/io';
import { hasIpv6Loopback, portOf } from '../../helpers/sockets';

/**
 * Drives the Listener through moments real sockets cannot be made to hit on
 * purpose: the port picked on one address being taken on the next, and a client
 * arriving while later addresses are still being bound. A spy on
 * net.createServer steers the bind of ::1 and passes everything else through.
 */
type ListenHook = (server: net.Server, options: net.ListenOptions, listen: () => void) => void;

const realListen = net.Server.prototype.listen;
const created: net.Server[] = [];
const open: Array<Listener | Channel> = [];

/** Routes every server.listen() through `hook` (the prototype is shared, whatever the import style). */
function steerListen(hook: ListenHook): void {
  const steered = function (this: net.Server, ...args: unknown[]): net.Server {
    const [options, callback] = args as [net.ListenOptions, () => void];
    created.push(this);
    hook(this, options, () => void realListen.call(this, options, callback));
    return this;
  };
  jest.spyOn(net.Server.prototype, 'listen').mockImplementation(steered as typeof realListen);
}

function addressInUse(server: net.Server, options: net.ListenOptions): void {
  const message = `listen EADDRINUSE: address already in use [${options.host}]:${options.port}`;
  const error = Object.assign(new Error(message), { code: 'EADDRINUSE' });
  process.nextTick(() => server.emit('error', error));
}

let ipv6 = false;
beforeAll(async () => {
  ipv6 = await hasIpv6Loopback();
});
afterEach(async () => {
  jest.restoreAllMocks();
  for (const item of open.splice(0)) {
    if (item instanceof Listener) await item.close();
    else item.close();
  }
  for (const server of created.splice(0)) server.close();
});

const BOTH = [
  { host: '127.0.0.1', port: 0 },
  { host: '::1', port: 0 },
];

describe('Listener binding several addresses', () => {
  it('starts over when the port picked on 127.0.0.1 is taken on ::1', async () => {
    if (!ipv6) return console.warn('skipped: no IPv6 loopback on this machine');
    let refusals = 2;
    const ports: number[] = [];
    steerListen((server, options, listen) => {
      if (options.host === '::1' && refusals > 0) {
        refusals--;
        ports.push(options.port ?? -1);
        addressInUse(server, options);
      } else listen();
    });
    const listener = await Listener.listen(BOTH);
    open.push(listener);
    const [v4, v6] = listener.addresses;
    expect(portOf(v6)).toBe(portOf(v4));
    expect(refusals).toBe(0);
    // Each refused ::1 bind asked for the port 127.0.0.1 had just picked, never for 0.
    expect(ports.every((port) => port > 0)).toBe(true);
    expect(created).toHaveLength(6); // three attempts of two servers each
    expect(created.filter((server) => server.listening)).toHaveLength(2);
  });

  it('gives up with IO_LISTEN_FAILED after five attempts, leaving nothing bound', async () => {
    if (!ipv6) return console.warn('skipped: no IPv6 loopback on this machine');
    steerListen((server, options, listen) => {
      if (options.host === '::1') addressInUse(server, options);
      else listen();
    });
    await expect(Listener.listen(BOTH)).rejects.toMatchObject({
      code: IoErrorCode.LISTEN_FAILED,
      message: expect.stringMatching(/^cannot listen on \[::1\]:\d+ \(from \[::1\]:0\): listen EADDRINUSE/),
    });
    expect(created).toHaveLength(10);
    expect(created.filter((server) => server.listening)).toHaveLength(0);
  });

  it('holds a client that arrives while other addresses bind, and hands it out after', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vncd-early-'));
    try {
      let bindUnix: () => void = () => undefined;
      const unixReached = new Promise<void>((resolve) => {
        steerListen((_server, options, listen) => {
          if (options.path === undefined) return listen();
          bindUnix = listen;
          resolve();
        });
      });
      const pending = Listener.listen([{ host: '127.0.0.1', port: 0 }, { path: join(dir, 'vnc.sock') }]);
      await unixReached;
      const first = created[0]?.address() as net.AddressInfo;
      const client = await connectChannel({ host: '127.0.0.1', port: first.port });
      open.push(client);
      await new Promise((resolve) => setTimeout(resolve, 20)); // the TCP server accepts it now
      bindUnix();
      const listener = await pending;
      open.push(listener);
      const handed = await new Promise<Channel>((resolve) => listener.once('channel', resolve));
      open.push(handed);
      client.write(Buffer.from('early'));
      expect((await handed.read(5)).toString()).toBe('early');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects with IO_ABORTED and unbinds everything when aborted halfway', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vncd-abort-'));
    try {
      const controller = new AbortController();
      steerListen((_server, options, listen) => {
        if (options.path !== undefined) controller.abort(); // while this one binds
        listen();
      });
      const attempt = Listener.listen(
        [{ host: '127.0.0.1', port: 0 }, { path: join(dir, 'a.sock') }, { path: join(dir, 'b.sock') }],
        { signal: controller.signal },
      );
      await expect(attempt).rejects.toMatchObject({ code: IoErrorCode.ABORTED, message: 'listening was aborted' });
      expect(created).toHaveLength(2);
      await new Promise((resolve) => setImmediate(resolve));
      expect(created.filter((server) => server.listening)).toHaveLength(0);
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
