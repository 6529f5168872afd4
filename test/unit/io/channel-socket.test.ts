import { mkdtempSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IoErrorCode, connectChannel, socketChannel } from '../../../src/io';
import { inetAddress } from '../../../src/io/channel-socket';
import { SocketJar, closedPort, hasIpv6Loopback, portOf } from '../../helpers/sockets';

const jar = new SocketJar();
let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vncd-io-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => jar.closeAll());

describe('socketChannel facts', () => {
  it('describes an IPv4 TCP connection from both ends and turns off Nagle', async () => {
    const { server, client } = await jar.tcpPair();
    const noDelay = jest.spyOn(server, 'setNoDelay');
    const channel = socketChannel(server);
    expect(noDelay).toHaveBeenCalledWith(true);
    expect(channel.facts).toEqual({
      kind: 'tcp',
      layers: ['tcp'],
      local: { family: 'ipv4', host: '127.0.0.1', port: client.remotePort },
      peer: { family: 'ipv4', host: '127.0.0.1', port: client.localPort },
    });
    channel.close();
  });

  it('reports IPv6 on ::1 and an IPv4 client of a dual-stack socket as plain IPv4', async () => {
    if (!(await hasIpv6Loopback())) {
      console.warn('skipped: no IPv6 loopback on this machine');
      return;
    }
    const v6 = await jar.tcpPair('::1');
    const channel6 = socketChannel(v6.server);
    expect(channel6.facts.peer).toEqual({ family: 'ipv6', host: '::1', port: v6.client.localPort });
    channel6.close();

    // An IPv6 socket bound to the mapped loopback: what a dual-stack server sees from IPv4 clients.
    const mapped = await jar.tcpPair('127.0.0.1', '::ffff:127.0.0.1');
    expect(mapped.server.remoteAddress).toBe('::ffff:127.0.0.1');
    const channel4 = socketChannel(mapped.server);
    expect(channel4.facts.peer).toEqual({ family: 'ipv4', host: '127.0.0.1', port: mapped.client.localPort });
    expect(channel4.facts.local).toEqual({ family: 'ipv4', host: '127.0.0.1', port: mapped.client.remotePort });
    channel4.close();
  });

  it('maps addresses the way logs want them', () => {
    expect(inetAddress('::ffff:10.1.2.3', 5900)).toEqual({ family: 'ipv4', host: '10.1.2.3', port: 5900 });
    expect(inetAddress('::FFFF:10.1.2.3', 1)).toEqual({ family: 'ipv4', host: '10.1.2.3', port: 1 });
    expect(inetAddress('fe80::1', 2)).toEqual({ family: 'ipv6', host: 'fe80::1', port: 2 });
    expect(inetAddress('::ffff:1:2', 3)).toEqual({ family: 'ipv6', host: '::ffff:1:2', port: 3 });
    expect(inetAddress(undefined, 3)).toBeUndefined();
  });
});

describe('connectChannel', () => {
  it('connects over TCP and the bytes flow both ways', async () => {
    const server = jar.track(net.createServer((socket) => jar.socket(socket).pipe(socket)));
    await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const { port } = server.address() as net.AddressInfo;
    const channel = await connectChannel({ host: '127.0.0.1', port });
    expect(channel.facts.kind).toBe('tcp');
    expect(channel.facts.peer).toEqual({ family: 'ipv4', host: '127.0.0.1', port });
    channel.write(Buffer.from('echo'));
    expect((await channel.read(4)).toString()).toBe('echo');
    channel.close();
  });

  it('connects to a UNIX path and names it as the peer', async () => {
    const path = join(dir, 'echo.sock');
    const server = jar.track(net.createServer((socket) => jar.socket(socket).pipe(socket)));
    await new Promise<void>((resolve) => server.listen({ path }, resolve));
    const channel = await connectChannel({ path });
    expect(channel.facts).toEqual({ kind: 'unix', layers: ['unix'], peer: { family: 'unix', path } });
    channel.write(Buffer.from('u'));
    expect((await channel.read(1)).toString()).toBe('u');
    channel.close();
  });

  it('fails with IO_CONNECT_FAILED naming the address and the system error', async () => {
    const port = await closedPort();
    const failure = connectChannel({ host: '127.0.0.1', port });
    await expect(failure).rejects.toMatchObject({ code: IoErrorCode.CONNECT_FAILED });
    await expect(failure).rejects.toThrow(new RegExp(`^cannot connect to 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
    const path = join(dir, 'nobody.sock');
    await expect(connectChannel({ path })).rejects.toThrow(`cannot connect to unix:${path}: connect ENOENT`);
  });

  it('fails with IO_ABORTED when the signal fires, and forgets the signal once connected', async () => {
    const port = await closedPort();
    await expect(connectChannel({ host: '127.0.0.1', port }, { signal: AbortSignal.abort() })).rejects.toMatchObject({
      code: IoErrorCode.ABORTED,
      message: `connecting to 127.0.0.1:${port} was aborted`,
    });
    const server = jar.track(net.createServer((socket) => jar.socket(socket).pipe(socket)));
    await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const controller = new AbortController();
    const channel = await connectChannel({ host: '127.0.0.1', port: portOf(server.address() as net.AddressInfo) }, {
      signal: controller.signal,
    });
    controller.abort();
    channel.write(Buffer.from('alive'));
    expect((await channel.read(5)).toString()).toBe('alive');
    channel.close();
  });
});
