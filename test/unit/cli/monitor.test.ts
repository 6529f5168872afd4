import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMonitor, type Monitor, type MonitorDisplay } from '../../../bin/monitor';
import { TlsCredsX509 } from '../../../src/crypto';
import { BGRX32, describePixelFormat, Display, VncServer } from '../../../src/vnc';
import { makePki, writePki } from '../../helpers/cert-factory';
import { eventually, QmpClient, vncLogin, type Message } from '../../helpers/qmp-client';
import type { TestClient } from '../../helpers/rfb-client';
import { clientMessage } from '../../helpers/rfb-screen';

// A monitor session over a UNIX socket, against two displays: 'default' (VNC
// password auth, listening on 127.0.0.1) and 'second' (no auth, no listener).
// Viewers come in over in-memory pairs; expected values are written out here.

describe('monitor (QMP)', () => {
  let dir: string;
  let path: string;
  let first: VncServer;
  let second: VncServer;
  let port: number;
  let monitor: Monitor;
  let reload: jest.Mock<void, []>;
  const qmps: QmpClient[] = [];
  const viewers: TestClient[] = [];

  async function qmp(): Promise<QmpClient> {
    const client = await QmpClient.ready({ path });
    qmps.push(client);
    return client;
  }

  async function login(password: string, name?: string): Promise<{ client: TestClient; result: number; reason?: string }> {
    const outcome = await vncLogin(first, password, name);
    viewers.push(outcome.client);
    return outcome;
  }

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vncd-monitor-'));
    path = join(dir, 'monitor.sock');
    first = new VncServer({ display: new Display({ width: 4, height: 2, name: 'first' }), auth: 'vnc', password: 'old' });
    const [bound] = await first.listen({ host: '127.0.0.1', port: 0 });
    port = bound?.family === 'ipv4' ? bound.port : -1;
    second = new VncServer({ display: new Display({ width: 4, height: 2, name: 'second' }) });
    reload = jest.fn<void, []>();
    const displays: MonitorDisplay[] = [
      { id: 'default', server: first },
      { id: 'second', server: second },
    ];
    monitor = await startMonitor({ listen: { path }, displays, reload, version: '1.2.3' });
  });

  afterEach(async () => {
    for (const client of qmps.splice(0)) client.close();
    for (const viewer of viewers.splice(0)) viewer.close();
    await monitor.close();
    await first.close();
    await second.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('greets, refuses commands before qmp_capabilities, then answers with the request id', async () => {
    const client = await QmpClient.connect({ path });
    qmps.push(client);
    expect(monitor.addresses).toEqual([{ family: 'unix', path }]);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(await client.next()).toEqual({
      QMP: { version: { qemu: { major: 1, minor: 2, micro: 3 }, package: 'vncd 1.2.3' }, capabilities: [] },
    });
    expect(await client.execute('query-vnc', undefined, 'a')).toEqual({
      error: { class: 'CommandNotFound', desc: "Expecting capabilities negotiation with 'qmp_capabilities' before command 'query-vnc'" },
      id: 'a',
    });
    expect(await client.execute('qmp_capabilities', { enable: ['oob'] })).toEqual({
      error: { class: 'GenericError', desc: "Parameter 'enable[0]' does not accept value 'oob' (accepted: none)" },
    });
    expect(await client.execute('qmp_capabilities', undefined, 7)).toEqual({ return: {}, id: 7 });
    expect(await client.execute('qmp_capabilities')).toEqual({
      error: { class: 'CommandNotFound', desc: "Capabilities negotiation is already complete, command 'qmp_capabilities' ignored" },
    });
    expect(await client.execute('query-version', undefined, { n: 1 })).toEqual({
      return: { qemu: { major: 1, minor: 2, micro: 3 }, package: 'vncd 1.2.3' },
      id: { n: 1 },
    });
    const commands = (await client.execute('query-commands')).return as { name: string }[];
    expect(commands.map((command) => command.name).sort()).toEqual(
      ['change-vnc-password', 'display-reload', 'expire_password', 'qmp_capabilities', 'query-commands', 'query-version',
        'query-vnc', 'query-vnc-servers', 'set_password', 'vncd-disconnect'].sort(),
    );
  });

  it('query-vnc and query-vnc-servers describe the displays and a connected client', async () => {
    const client = await qmp();
    expect(await client.execute('query-vnc')).toEqual({
      return: { enabled: true, host: '127.0.0.1', service: String(port), family: 'ipv4', auth: 'vnc', clients: [] },
    });
    expect(await client.execute('set_password', { protocol: 'vnc', password: 'secret' })).toEqual({ return: {} });
    const { client: viewer, result } = await login('secret', 'viewer-1');
    expect(result).toBe(0);
    viewer.write(clientMessage.setEncodings(16, 0, -223, -26, -250, 0x12345678));
    const answer = await eventually(
      () => client.execute('query-vnc'),
      (reply) => ((reply.return as { clients: { vncd: { encodings: string[] } }[] }).clients[0]?.vncd.encodings.length ?? 0) > 0,
    );
    // What the viewer received so far: version, security types, challenge, result, ServerInit with the name "first".
    const serverInitBytes = 24 + 'first'.length;
    expect(answer).toEqual({
      return: {
        enabled: true,
        host: '127.0.0.1',
        service: String(port),
        family: 'ipv4',
        auth: 'vnc',
        clients: [
          {
            host: 'viewer-1',
            service: '',
            family: 'unknown',
            websocket: false,
            vncd: {
              id: 1,
              display: 'default',
              auth: 'vnc',
              version: '3.8',
              shared: true,
              'pixel-format': describePixelFormat(BGRX32),
              encoding: 'zrle',
              encodings: ['zrle', 'raw', 'desktop-size', 'jpeg-quality-6', 'compress-level-6', '0x12345678'],
              'bytes-sent': 12 + 2 + 16 + 4 + serverInitBytes,
              'bytes-queued': 0,
            },
          },
        ],
      },
    });
    const clients = (answer.return as { clients: unknown[] }).clients;
    expect(await client.execute('query-vnc-servers')).toEqual({
      return: [
        {
          id: 'default',
          server: [{ host: '127.0.0.1', service: String(port), family: 'ipv4', websocket: false, auth: 'vnc' }],
          clients,
          auth: 'vnc',
        },
        { id: 'second', server: [], clients: [], auth: 'none' },
      ],
    });
  });

  it('reports VeNCrypt and websocket listeners as QEMU does', async () => {
    const web = new VncServer({ display: new Display({ width: 2, height: 2 }) });
    const other = await startMonitor({
      listen: { path: join(dir, 'other.sock') },
      displays: [
        { id: 'tls', server: web, vencrypt: 'x509-none', websocketAddresses: () => [{ family: 'ipv6', host: '::1', port: 5700 }] },
      ],
      reload: [],
      version: '0.1.0',
    });
    try {
      const client = await QmpClient.ready({ path: join(dir, 'other.sock') });
      qmps.push(client);
      expect(await client.execute('query-vnc')).toEqual({ return: { enabled: false, auth: 'vencrypt+x509+none', clients: [] } });
      expect(await client.execute('query-vnc-servers')).toEqual({
        return: [
          {
            id: 'tls',
            server: [{ host: '::1', service: '5700', family: 'ipv6', websocket: true, auth: 'vencrypt', vencrypt: 'x509-none' }],
            clients: [],
            auth: 'vencrypt',
            vencrypt: 'x509-none',
          },
        ],
      });
    } finally {
      await other.close();
      await web.close();
    }
  });

  it('set_password takes effect for the next client; connected=fail and connected=disconnect', async () => {
    const client = await qmp();
    expect((await login('secret')).result).toBe(1);
    expect(await client.execute('set_password', { protocol: 'vnc', password: 'secret' })).toEqual({ return: {} });
    const { client: kept, result } = await login('secret');
    expect(result).toBe(0);
    expect((await login('old')).reason).toBe('authentication failed');
    expect(await client.execute('set_password', { protocol: 'vnc', password: 'new', connected: 'fail' })).toEqual({
      error: {
        class: 'GenericError',
        desc: "set_password: VNC display 'default' has 1 connected client(s) and connected=fail was given; the password is unchanged",
      },
    });
    expect((await login('secret')).result).toBe(0);
    expect(await client.execute('set_password', { protocol: 'vnc', password: 'new', connected: 'disconnect', display: 'default' })).toEqual({
      return: {},
    });
    await kept.expectClosed();
    expect((await login('new')).result).toBe(0);
    expect(await client.execute('change-vnc-password', { password: 'other' })).toEqual({ return: {} });
    expect((await login('new')).result).toBe(1);
    expect((await login('other')).result).toBe(0);
    const disconnected = client.events.filter((event) => event.event === 'VNC_DISCONNECTED');
    expect(disconnected.map((event) => (event.data as { client: { vncd: { reason: string } } }).client.vncd.reason)).toContain(
      'the VNC password was changed',
    );
  });

  it('expire_password: now fails the next attempt, +N and never keep it working', async () => {
    const client = await qmp();
    await client.execute('set_password', { protocol: 'vnc', password: 'secret' });
    expect(await client.execute('expire_password', { protocol: 'vnc', time: '+3600' })).toEqual({ return: {} });
    expect((await login('secret')).result).toBe(0);
    expect(await client.execute('expire_password', { protocol: 'vnc', time: 'now' })).toEqual({ return: {} });
    expect(await login('secret')).toMatchObject({ result: 1, reason: 'the VNC password has expired' });
    expect(await client.execute('expire_password', { protocol: 'vnc', time: 'never' })).toEqual({ return: {} });
    expect((await login('secret')).result).toBe(0);
    // An absolute time in the past (1 s after the epoch) has already passed.
    expect(await client.execute('expire_password', { protocol: 'vnc', time: '1', display: 'default' })).toEqual({ return: {} });
    expect((await login('secret')).reason).toBe('the VNC password has expired');
    expect(await client.execute('expire_password', { protocol: 'vnc', time: 'soon' })).toEqual({
      error: {
        class: 'GenericError',
        desc: "Parameter 'time' does not accept value 'soon' (accepted: now, never, +SECONDS (from now) or SECONDS (since 1970-01-01 UTC))",
      },
    });
  });

  it('vncd-disconnect closes a client by id', async () => {
    const client = await qmp();
    await client.execute('set_password', { protocol: 'vnc', password: 'secret' });
    const a = await login('secret');
    const b = await login('secret');
    expect(await client.execute('vncd-disconnect', { client: 1, reason: 'maintenance' })).toEqual({ return: {} });
    await a.client.expectClosed();
    await b.client.expectSilence();
    const info = await eventually(
      () => client.execute('query-vnc'),
      (reply) => (reply.return as { clients: unknown[] }).clients.length === 1,
    );
    expect((info.return as { clients: { vncd: { id: number } }[] }).clients.map((c) => c.vncd.id)).toEqual([2]);
    expect(await client.execute('vncd-disconnect', { client: 99 })).toEqual({
      error: { class: 'GenericError', desc: "VNC display 'default' has no client 99 (clients: 2)" },
    });
    expect(await client.execute('vncd-disconnect', { client: 1, display: 'second' })).toEqual({
      error: { class: 'GenericError', desc: "VNC display 'second' has no client 1 (clients: none)" },
    });
    expect(await client.execute('vncd-disconnect', { client: 0 })).toEqual({
      error: { class: 'GenericError', desc: "Parameter 'client' expects a whole number from 1 to 2147483647, not 0" },
    });
  });

  it('emits VNC_CONNECTED, VNC_INITIALIZED and VNC_DISCONNECTED in order, to negotiated connections only', async () => {
    const watcher = await qmp();
    const silent = await QmpClient.connect({ path });
    qmps.push(silent);
    await silent.next(); // greeting only: no capabilities, so no events
    await watcher.execute('set_password', { protocol: 'vnc', password: 'secret' });
    const before = Date.now() / 1000;
    const { client: viewer } = await login('secret', 'viewer-9');
    viewer.close();
    const events = [await watcher.nextEvent(), await watcher.nextEvent(), await watcher.nextEvent()];
    const after = Date.now() / 1000;
    expect(events.map((event) => event.event)).toEqual(['VNC_CONNECTED', 'VNC_INITIALIZED', 'VNC_DISCONNECTED']);
    const server = { host: '127.0.0.1', service: String(port), family: 'ipv4', websocket: false, auth: 'vnc' };
    const basic = { host: 'viewer-9', service: '', family: 'unknown', websocket: false };
    expect(events[0]?.data).toEqual({ server, client: { ...basic, vncd: { id: 1, display: 'default' } } });
    expect(events[1]?.data).toEqual({
      server,
      client: { ...basic, vncd: expect.objectContaining({ id: 1, display: 'default', auth: 'vnc', version: '3.8', shared: true }) },
    });
    expect(events[2]?.data).toEqual({
      server,
      client: { ...basic, vncd: expect.objectContaining({ id: 1, reason: 'client closed the connection' }) },
    });
    const times = events.map((event) => {
      const { seconds, microseconds } = event.timestamp as { seconds: number; microseconds: number };
      expect(Number.isInteger(seconds) && Number.isInteger(microseconds) && microseconds >= 0 && microseconds < 1e6).toBe(true);
      return seconds + microseconds / 1e6;
    });
    expect(times[0]).toBeGreaterThanOrEqual(Math.floor(before));
    expect(times[2]).toBeLessThanOrEqual(after + 0.001);
    expect([...times].sort((x, y) => x - y)).toEqual(times);
    // Its answer comes after anything sent to it before: no events were.
    expect(await silent.execute('query-vnc')).toHaveProperty('error.class', 'CommandNotFound');
    expect(silent.events).toEqual([]);
    monitor.event('SHUTDOWN', { guest: false, reason: 'host-signal' });
    expect(await watcher.nextEvent()).toMatchObject({ event: 'SHUTDOWN', data: { guest: false, reason: 'host-signal' } });
  });

  it('answers bad input with QEMU-style errors and keeps the connection', async () => {
    const client = await qmp();
    const generic = (desc: string): Message => ({ error: { class: 'GenericError', desc } });
    expect(await client.execute('nope')).toEqual({ error: { class: 'CommandNotFound', desc: 'The command nope has not been found' } });
    client.raw('{"execute": "query-vnc"\n');
    expect(((await client.next()).error as { desc: string }).desc).toMatch(/^JSON parse error, /);
    client.raw('[1, 2]\n');
    expect(await client.next()).toEqual(generic('QMP input must be a JSON object'));
    client.send({ id: 3 });
    expect(await client.next()).toEqual({ ...generic("QMP input lacks member 'execute'"), id: 3 });
    client.send({ execute: 5 });
    expect(await client.next()).toEqual(generic("QMP input member 'execute' must be a string"));
    client.send({ execute: 'query-vnc', arguments: [] });
    expect(await client.next()).toEqual(generic("QMP input member 'arguments' must be an object"));
    client.send({ execute: 'query-vnc', 'exec-oob': 1 });
    expect(await client.next()).toEqual(generic("QMP input member 'exec-oob' is unexpected"));
    expect(await client.execute('query-vnc', { verbose: true })).toEqual(
      generic("Parameter 'verbose' is unexpected (this command takes no arguments)"),
    );
    expect(await client.execute('set_password', { protocol: 'vnc' })).toEqual(generic("Parameter 'password' is missing"));
    expect(await client.execute('set_password', { protocol: 'spice', password: 'x' })).toEqual(
      generic("Parameter 'protocol' does not accept value 'spice' (accepted: vnc)"),
    );
    expect(await client.execute('set_password', { protocol: 'vnc', password: 42 })).toEqual(
      generic("Invalid parameter type for 'password', expected: string"),
    );
    expect(await client.execute('set_password', { protocol: 'vnc', password: 'x', connected: 'drop' })).toEqual(
      generic("Parameter 'connected' does not accept value 'drop' (accepted: keep, disconnect, fail)"),
    );
    expect(await client.execute('set_password', { protocol: 'vnc', password: 'x', passwd: 'y' })).toEqual(
      generic("Parameter 'passwd' is unexpected (accepted: protocol, password, connected, display)"),
    );
    expect(await client.execute('set_password', { protocol: 'vnc', password: 'x', display: 'vm9' })).toEqual(
      generic("VNC display 'vm9' not found (displays: 'default', 'second')"),
    );
    expect(await client.execute('set_password', { protocol: 'vnc', password: 'x', display: 'second' })).toEqual(
      generic(
        "set_password: VNC display 'second' does not use VNC password authentication (start it with password=on or password-secret=ID)",
      ),
    );
    expect(await client.execute('display-reload', { type: 'vnc', 'tls-certs': 'yes' })).toEqual(
      generic("Invalid parameter type for 'tls-certs', expected: boolean"),
    );
    expect(await client.execute('query-vnc')).toMatchObject({ return: { enabled: true } });
  });

  it('answers commands sent before a half-close, then closes', async () => {
    const client = await QmpClient.connect({ path });
    qmps.push(client);
    client.raw('{"execute":"qmp_capabilities"}\r\n{"execute":"query-version","id":1}');
    client.end();
    expect(await client.next()).toHaveProperty('QMP');
    expect(await client.next()).toEqual({ return: {} });
    expect(await client.next()).toEqual({ return: { qemu: { major: 1, minor: 2, micro: 3 }, package: 'vncd 1.2.3' }, id: 1 });
    await client.closed();
  });

  it('closes the connection on a line over 64 KiB, after saying why', async () => {
    const client = await qmp();
    client.raw(`{"execute":"query-vnc","id":"${'x'.repeat(64 * 1024)}`);
    expect(await client.next()).toEqual({
      error: { class: 'GenericError', desc: 'input line longer than 65536 bytes; closing the connection' },
    });
    await client.closed();
    const again = await qmp(); // the monitor itself goes on
    expect(await again.execute('query-vnc-servers')).toHaveProperty('return');
  });

  it('display-reload calls the reload hook, and reports its failure', async () => {
    const client = await qmp();
    expect(await client.execute('display-reload', { type: 'vnc' })).toEqual({ return: {} });
    expect(reload).not.toHaveBeenCalled();
    expect(await client.execute('display-reload', { type: 'vnc', 'tls-certs': true })).toEqual({ return: {} });
    expect(reload).toHaveBeenCalledTimes(1);
    reload.mockImplementationOnce(() => {
      throw new Error('ca-cert.pem is missing');
    });
    expect(await client.execute('display-reload', { type: 'vnc', 'tls-certs': true })).toEqual({
      error: { class: 'GenericError', desc: 'reloading the TLS credentials failed: ca-cert.pem is missing' },
    });
    expect(await client.execute('display-reload', { type: 'spice' })).toEqual({
      error: { class: 'GenericError', desc: "Parameter 'type' does not accept value 'spice' (accepted: vnc)" },
    });
  });

  it('display-reload picks up a renewed certificate, and keeps the old one when the new files are bad', async () => {
    const pki = makePki({ client: false });
    const creds = new TlsCredsX509({ dir: pki.dir, endpoint: 'server', verifyPeer: false });
    const other = await startMonitor({
      listen: { path: join(dir, 'tls.sock') },
      displays: [{ id: 'default', server: first }],
      reload: [creds],
      version: '0.1.0',
    });
    try {
      const client = await QmpClient.ready({ path: join(dir, 'tls.sock') });
      qmps.push(client);
      const renewed = pki.ca.issue('server', { keyBits: 1024 });
      expect(renewed.serial).not.toBe(pki.server?.serial);
      writePki(pki.dir, { server: renewed });
      expect(await client.execute('display-reload', { type: 'vnc', 'tls-certs': true })).toEqual({ return: {} });
      expect(creds.certificate?.serial.toLowerCase()).toBe(renewed.serial.toLowerCase());
      writeFileSync(pki.serverCert, 'not a certificate');
      const failed = await client.execute('display-reload', { type: 'vnc', 'tls-certs': true });
      expect((failed.error as { desc: string }).desc).toMatch(
        new RegExp(`^reloading the TLS credentials failed: 1 of 1 failed: cannot load tls-creds-x509 from ${pki.dir}`),
      );
      expect(creds.certificate?.serial.toLowerCase()).toBe(renewed.serial.toLowerCase());
    } finally {
      await other.close();
      pki.cleanup();
    }
  });
});
