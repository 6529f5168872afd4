import type { Duplex } from 'node:stream';
import { IoErrorCode, StreamChannel, type Channel } from '../../../src/io';
import { SocketJar, tick } from '../../helpers/sockets';
import { transports } from './transports';

/** What a wrapper does: a new channel over the detached stream. */
function rewrap(stream: Duplex): Channel {
  return new StreamChannel(stream, { kind: 'memory', layers: ['memory'] });
}

const jar = new SocketJar();
afterEach(() => jar.closeAll());

describe.each(transports)('detach over $name', (transport) => {
  it('puts the read-ahead back in front of the stream, in order, without closing anything', async () => {
    const rig = await transport.open(jar);
    const events: unknown[] = [];
    rig.channel.on('close', () => events.push('close'));
    // "S" is a one-byte request; the rest is what the peer sent right after it (a TLS hello, say).
    const read = rig.channel.read(1);
    rig.send(Buffer.from('SHELLO-')); // one write, so the read takes more than it asked for
    await rig.settle();
    expect((await read).toString()).toBe('S');
    rig.send(Buffer.from('AND-MORE'));
    await rig.settle();

    const stream = rig.channel.detach();
    expect(rig.channel.isOpen).toBe(false);
    await expect(rig.channel.read(1)).rejects.toMatchObject({
      code: IoErrorCode.CLOSED,
      message: 'cannot read 1 bytes: the channel was handed to a wrapper',
    });
    rig.channel.close(); // a no-op now: must not destroy the stream
    expect(stream.destroyed).toBe(false);

    const wrapped = rewrap(stream);
    expect((await wrapped.read(14)).toString()).toBe('HELLO-AND-MORE');
    // Both directions still work through the stream.
    wrapped.write(Buffer.from('ok'));
    await wrapped.shutdown();
    expect((await rig.drainPeer()).toString()).toBe('ok');
    await tick(5);
    expect(events).toEqual([]);
    wrapped.close();
  });

  it('refuses while a read is pending', async () => {
    const rig = await transport.open(jar);
    const read = rig.channel.read(2);
    expect(() => rig.channel.detach()).toThrow(
      expect.objectContaining({
        code: IoErrorCode.READ_BUSY,
        message: 'cannot detach while a read of 2 bytes is pending',
      }),
    );
    rig.send(Buffer.from('hi'));
    expect((await read).toString()).toBe('hi');
    expect(rig.channel.isOpen).toBe(true);
    rig.channel.close();
  });

  it('refuses once the channel is closed, and after the peer has ended', async () => {
    const rig = await transport.open(jar);
    rig.end();
    await expect(rig.channel.read(1)).rejects.toMatchObject({ code: IoErrorCode.EOF });
    expect(() => rig.channel.detach()).toThrow(expect.objectContaining({ code: IoErrorCode.EOF }));
    rig.channel.close();
    expect(() => rig.channel.detach()).toThrow(expect.objectContaining({ code: IoErrorCode.CLOSED }));
  });
});
