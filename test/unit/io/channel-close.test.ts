import { PassThrough } from 'node:stream';
import {
  IoError,
  IoErrorCode,
  StreamChannel,
  createChannelPair,
  createDuplexPair,
  socketChannel,
  type Channel,
} from '../../../src/io';
import { SocketJar, tick } from '../../helpers/sockets';
import { transports } from './transports';

/** Records every 'close' event a channel emits, with its arguments. */
function closeEvents(channel: Channel): unknown[][] {
  const seen: unknown[][] = [];
  channel.on('close', (...args) => seen.push(args));
  return seen;
}

const jar = new SocketJar();
afterEach(() => jar.closeAll());

describe.each(transports)('close and shutdown over $name', (transport) => {
  it('closes before any read: one close event, reads and flushes reject, writes vanish', async () => {
    const rig = await transport.open(jar);
    const events = closeEvents(rig.channel);
    rig.channel.close();
    rig.channel.close();
    expect(rig.channel.isOpen).toBe(false);
    expect(events).toEqual([[]]);
    await expect(rig.channel.read(1)).rejects.toMatchObject({
      code: IoErrorCode.CLOSED,
      message: 'cannot read 1 bytes: the channel was closed',
    });
    await expect(rig.channel.flush()).rejects.toMatchObject({ code: IoErrorCode.CLOSED });
    await expect(rig.channel.shutdown()).rejects.toMatchObject({ code: IoErrorCode.CLOSED });
    expect(() => rig.channel.write(Buffer.from('dropped'))).not.toThrow();
    expect(rig.channel.queuedBytes).toBe(0);
    // The peer sees the end of the connection and none of the dropped bytes.
    expect((await rig.drainPeer()).length).toBe(0);
    await tick(5);
    expect(events).toEqual([[]]);
  });

  it('rejects a pending read with IO_CLOSED and says how much had arrived', async () => {
    const rig = await transport.open(jar);
    const read = rig.channel.read(8);
    rig.send(Buffer.from('abc'));
    await rig.settle();
    rig.channel.close();
    await expect(read).rejects.toMatchObject({
      code: IoErrorCode.CLOSED,
      message: 'cannot read 8 bytes (3 had arrived): the channel was closed',
    });
  });

  it('emits the error given to close(error) and puts it as the cause of a pending read', async () => {
    const rig = await transport.open(jar);
    const events = closeEvents(rig.channel);
    const read = rig.channel.read(1);
    const why = new Error('protocol violation');
    rig.channel.close(why);
    const failure = await read.catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(IoError);
    expect((failure as IoError).cause).toBe(why);
    expect((failure as IoError).message).toBe(
      'cannot read 1 bytes (0 had arrived): the channel was closed: protocol violation',
    );
    expect(events).toEqual([[why]]);
  });

  it('shuts down: the peer reads everything then EOF, and can still send back', async () => {
    const rig = await transport.open(jar);
    rig.channel.write(Buffer.from('last words'));
    const done = rig.channel.shutdown();
    expect(rig.channel.shutdown()).toBe(done);
    await done;
    rig.channel.write(Buffer.from('after shutdown: dropped'));
    expect((await rig.drainPeer()).toString()).toBe('last words');
    rig.send(Buffer.from('reply'));
    expect((await rig.channel.read(5)).toString()).toBe('reply');
    expect(rig.channel.isOpen).toBe(true);
    rig.channel.close();
  });

  it('after the peer ends, the channel stays open for writing', async () => {
    const rig = await transport.open(jar);
    rig.end();
    await expect(rig.channel.read(1)).rejects.toMatchObject({ code: IoErrorCode.EOF });
    rig.channel.write(Buffer.from('bye'));
    await rig.channel.shutdown();
    expect((await rig.drainPeer()).toString()).toBe('bye');
    rig.channel.close();
  });
});

describe('closing from the other side', () => {
  it('emits close once with ECONNRESET when a TCP peer resets, and fails the pending read', async () => {
    const { server, client } = await jar.tcpPair();
    const channel = socketChannel(server);
    const events = closeEvents(channel);
    const read = channel.read(4);
    client.resetAndDestroy();
    const failure = (await read.catch((error: unknown) => error)) as IoError;
    expect(failure.code).toBe(IoErrorCode.CLOSED);
    expect(failure.message).toMatch(/^cannot read 4 bytes \(0 had arrived\): the connection failed: .*ECONNRESET/);
    await tick(5);
    expect(events).toHaveLength(1);
    expect(events[0]?.[0]).toMatchObject({ code: 'ECONNRESET' });
    expect(channel.isOpen).toBe(false);
  });

  it('closes the channel when its stream is destroyed underneath it', async () => {
    const { server } = await jar.tcpPair();
    const channel = socketChannel(server);
    const events = closeEvents(channel);
    server.destroy();
    await tick(5);
    expect(events).toEqual([[]]);
    expect(channel.isOpen).toBe(false);
  });

  it('on the memory pair, a closed peer is EOF after its bytes, and writing to it resets', async () => {
    const [channel, peer] = createChannelPair({ names: ['server', 'client'] });
    const events = closeEvents(channel);
    peer.write(Buffer.from('bye'));
    peer.close();
    expect((await channel.read(3)).toString()).toBe('bye');
    await expect(channel.read(1)).rejects.toMatchObject({ code: IoErrorCode.EOF });
    expect(events).toEqual([]);
    channel.write(Buffer.from('anyone?'));
    await tick(5);
    expect(events).toHaveLength(1);
    expect(events[0]?.[0]).toMatchObject({
      code: IoErrorCode.RESET,
      message: 'memory:client closed the connection while memory:server was sending',
    });
  });

  it('on the memory pair, a write waiting for a peer that closes fails with IO_RESET', async () => {
    const [channel, peer] = createChannelPair({ highWaterMark: 16 });
    const events = closeEvents(channel);
    channel.write(Buffer.alloc(64));
    const flush = channel.flush();
    peer.close();
    await expect(flush).rejects.toMatchObject({ code: IoErrorCode.CLOSED });
    expect(events).toHaveLength(1);
    expect(events[0]?.[0]).toMatchObject({ code: IoErrorCode.RESET });
  });
});

describe('odd streams', () => {
  it('treats a stream destroyed before the channel existed as closed, and says so once', async () => {
    const [stream] = createDuplexPair();
    stream.destroy();
    const channel = new StreamChannel(stream, { kind: 'memory', layers: ['memory'] });
    const events = closeEvents(channel);
    expect(channel.isOpen).toBe(false);
    await tick();
    expect(events).toEqual([[]]);
    await expect(channel.read(1)).rejects.toMatchObject({
      code: IoErrorCode.CLOSED,
      message: 'cannot read 1 bytes: the stream was already destroyed',
    });
  });

  it('drops writes once the stream stopped taking them by itself', async () => {
    const { server, client } = await jar.tcpPair();
    const channel = socketChannel(server);
    const events = closeEvents(channel);
    const received: Buffer[] = [];
    client.on('data', (part: Buffer) => received.push(part));
    const ended = new Promise((resolve) => client.once('end', resolve));
    server.end(); // as a socket without allowHalfOpen does when the peer ends
    channel.write(Buffer.from('late'));
    await ended;
    await tick(5);
    expect(Buffer.concat(received).length).toBe(0);
    expect(events).toEqual([]);
    expect(channel.isOpen).toBe(true);
    channel.close();
  });

  it('refuses object-mode and string streams', () => {
    const objects = new PassThrough({ objectMode: true });
    const strings = new PassThrough();
    strings.setEncoding('utf8');
    expect(() => new StreamChannel(objects, { kind: 'memory', layers: ['memory'] })).toThrow(TypeError);
    expect(() => new StreamChannel(strings, { kind: 'memory', layers: ['memory'] })).toThrow(TypeError);
  });
});
