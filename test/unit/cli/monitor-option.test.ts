import { parseMonitorOption, reloadAll, startMonitor, type MonitorListen } from '../../../bin/monitor';
import { Display, VncServer } from '../../../src/vnc';
import { QmpClient } from '../../helpers/qmp-client';

describe('monitor over TCP and its options', () => {
  it('listens on 127.0.0.1 port 0 and answers', async () => {
    const server = new VncServer({ display: new Display({ width: 2, height: 2 }) });
    const monitor = await startMonitor({ listen: { host: '127.0.0.1', port: 0 }, displays: [{ id: 'default', server }], reload: [], version: '2.0.0' });
    try {
      const [address] = monitor.addresses;
      expect(address).toMatchObject({ family: 'ipv4', host: '127.0.0.1' });
      const tcpPort = address?.family === 'ipv4' ? address.port : 0;
      expect(tcpPort).toBeGreaterThan(0);
      const client = await QmpClient.ready({ host: '127.0.0.1', port: tcpPort });
      expect(await client.execute('query-vnc')).toEqual({ return: { enabled: false, auth: 'none', clients: [] } });
      client.close();
    } finally {
      await monitor.close();
      await server.close();
    }
  });

  it('tells a connection over the limit why, and closes it', async () => {
    const monitor = await startMonitor({ listen: { host: '127.0.0.1', port: 0 }, displays: [], reload: [], version: '1.0.0', maxConnections: 1 });
    try {
      const address = monitor.addresses[0];
      const target = { host: '127.0.0.1', port: address?.family === 'ipv4' ? address.port : 0 };
      const first = await QmpClient.ready(target);
      const second = await QmpClient.connect(target);
      expect(await second.next()).toEqual({ error: { class: 'GenericError', desc: 'too many monitor connections (limit 1)' } });
      await second.closed();
      expect(await first.execute('query-vnc')).toEqual({ return: { enabled: false } });
      first.close();
    } finally {
      await monitor.close();
    }
  });

  it('refuses addresses that are not loopback and duplicate display ids', async () => {
    const server = new VncServer({ display: new Display({ width: 2, height: 2 }) });
    const listen = { host: '0.0.0.0', port: 0 } as unknown as MonitorListen;
    await expect(startMonitor({ listen, displays: [], reload: [], version: '1' })).rejects.toThrow(
      "the monitor listens on loopback only (127.0.0.1, ::1, localhost), not '0.0.0.0'",
    );
    await expect(
      startMonitor({ listen: { path: '/nonexistent/x.sock' }, displays: [{ id: 'a', server }, { id: 'a', server }], reload: [], version: '1' }),
    ).rejects.toThrow("two VNC displays have the id 'a'; give each its own id=");
    await server.close();
  });

  it.each([
    ['unix:/run/vncd.sock', { path: '/run/vncd.sock' }],
    ['unix:/tmp/a,,b.sock,server=on,wait=off', { path: '/tmp/a,b.sock' }],
    ['unix:/tmp/q.sock,server,nowait', { path: '/tmp/q.sock' }],
    ['tcp:127.0.0.1:4444', { host: '127.0.0.1', port: 4444 }],
    ['tcp:[::1]:0', { host: '::1', port: 0 }],
    ['tcp:localhost:4444,server=on', { host: 'localhost', port: 4444 }],
  ])('--monitor %s', (text, expected) => {
    expect(parseMonitorOption(text)).toEqual(expected);
  });

  it.each([
    ['tcp:0.0.0.0:4444', "--monitor tcp:0.0.0.0:4444: the monitor listens on loopback only (127.0.0.1, ::1, localhost), not '0.0.0.0'"],
    ['tcp:127.0.0.1:70000', '--monitor tcp:127.0.0.1:70000: the port must be from 0 to 65535, not 70000'],
    ['stdio', "--monitor stdio: the address must be unix:PATH or tcp:HOST:PORT (HOST one of 127.0.0.1, ::1, localhost), not 'stdio'"],
    ['unix:', '--monitor unix:: unix: needs a socket path'],
    ['unix:/a,wait=on', "--monitor unix:/a,wait=on: the monitor never waits for a client; 'wait' can only be off"],
    ['unix:/a,mode=readline', "--monitor unix:/a,mode=readline: unknown option 'mode'"],
  ])('--monitor %s is refused', (text, message) => {
    expect(() => parseMonitorOption(text)).toThrow(message);
  });

  it('reloadAll reloads every item even when one fails, and names the failures', async () => {
    const calls: string[] = [];
    const item = (name: string, fails: boolean) => ({
      reload: () => {
        calls.push(name);
        if (fails) throw new Error(`${name} is broken`);
      },
    });
    await expect(reloadAll([item('a', false), item('b', true), item('c', false)])()).rejects.toThrow('1 of 3 failed: b is broken');
    expect(calls).toEqual(['a', 'b', 'c']);
  });
});
