import * as net from 'node:net';

/**
 * Real TCP connections on loopback for io tests. Everything it opens is
 * destroyed by `closeAll()`, which tests call in afterEach.
 */
export class SocketJar {
  private readonly sockets = new Set<net.Socket>();
  private readonly servers = new Set<net.Server>();

  /** A connected pair: the side a server accepted and the client's side. */
  async tcpPair(host = '127.0.0.1', listenHost = host): Promise<{ server: net.Socket; client: net.Socket }> {
    const listener = this.track(net.createServer({ allowHalfOpen: true }));
    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject);
      listener.listen({ host: listenHost, port: 0, ipv6Only: false }, resolve);
    });
    const { port } = listener.address() as net.AddressInfo;
    const accepted = new Promise<net.Socket>((resolve) => listener.once('connection', resolve));
    const client = this.socket(net.connect({ host, port, allowHalfOpen: true }));
    await new Promise<void>((resolve, reject) => {
      client.once('connect', resolve);
      client.once('error', reject);
    });
    const server = this.socket(await accepted);
    listener.close();
    return { server, client };
  }

  /** Tracks a socket so closeAll() destroys it; errors after the test are expected and ignored. */
  socket(socket: net.Socket): net.Socket {
    this.sockets.add(socket);
    socket.on('error', () => undefined);
    return socket;
  }

  track(server: net.Server): net.Server {
    this.servers.add(server);
    return server;
  }

  async closeAll(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    for (const server of this.servers) server.close();
    this.sockets.clear();
    this.servers.clear();
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** Whether this machine can bind the IPv6 loopback (containers often cannot). */
export async function hasIpv6Loopback(): Promise<boolean> {
  const probe = net.createServer();
  return new Promise<boolean>((resolve) => {
    probe.once('error', () => resolve(false));
    probe.listen({ host: '::1', port: 0, ipv6Only: true }, () => probe.close(() => resolve(true)));
  });
}

/** A port nobody listens on (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

export function tick(ms = 0): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The port of an IPv4/IPv6 address; fails the test for any other kind. */
export function portOf(address: { family: string; port?: number } | undefined): number {
  if (address?.port === undefined) throw new Error(`not a TCP address: ${JSON.stringify(address)}`);
  return address.port;
}

/** The port of the first of a listener's bound addresses, which must be IPv4 (as listening on 127.0.0.1 gives). */
export function ipv4Port(addresses: readonly { family: string; port?: number }[]): number {
  const [bound] = addresses;
  if (bound?.family !== 'ipv4') throw new Error(`expected an IPv4 listener, got ${JSON.stringify(bound)}`);
  return portOf(bound);
}

/**
 * How a reader waits for more bytes: `sleep(ms)` resolves when `wake()` is
 * called (data arrived, the stream ended) or after `ms`, whichever comes first.
 */
export class Wakeup {
  private waiting: (() => void) | undefined;

  async sleep(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.waiting = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.waiting = undefined;
  }

  wake(): void {
    this.waiting?.();
  }
}
