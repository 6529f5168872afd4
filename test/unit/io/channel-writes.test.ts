import { IoErrorCode, createChannelPair, socketChannel } from '../../../src/io';
import { SocketJar, tick } from '../../helpers/sockets';
import { transports } from './transports';

/** Bytes whose position can be checked: byte i is (i * 7 + i >> 8) & 0xff. */
function pattern(length: number, start = 0): Buffer {
  const out = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) {
    const n = start + i;
    out[i] = (n * 7 + (n >> 8)) & 0xff;
  }
  return out;
}

const jar = new SocketJar();
afterEach(() => jar.closeAll());

describe.each(transports)('writes over $name', (transport) => {
  it('sends several buffers of one write in order, skipping empty ones', async () => {
    const rig = await transport.open(jar);
    const two = new Uint8Array([0x74, 0x77, 0x6f]);
    rig.channel.write(Buffer.from('one,'), new Uint8Array(0), two, Buffer.from(',three'));
    rig.channel.write();
    await rig.channel.flush();
    expect(rig.channel.queuedBytes).toBe(0);
    await rig.channel.shutdown();
    expect((await rig.drainPeer()).toString()).toBe('one,two,three');
    rig.channel.close();
  });

  it('resolves flush at once when nothing was written', async () => {
    const rig = await transport.open(jar);
    await expect(rig.channel.flush()).resolves.toBeUndefined();
    rig.channel.close();
  });
});

describe('queuedBytes while the peer is not reading', () => {
  it('grows on the memory pair and returns to 0 once the peer reads', async () => {
    const [channel, peer] = createChannelPair({ highWaterMark: 16 * 1024 });
    const data = pattern(256 * 1024);
    for (let offset = 0; offset < data.length; offset += 32 * 1024) {
      channel.write(data.subarray(offset, offset + 32 * 1024));
    }
    let flushed = false;
    const flush = channel.flush().then(() => {
      flushed = true;
    });
    await tick(5);
    // The peer's buffer took the first 32 KiB chunk, which put it above its 16 KiB mark, so that
    // write is not acknowledged: it still counts, and every later one waits behind it.
    expect(channel.queuedBytes).toBe(data.length);
    expect(flushed).toBe(false);
    const received = await peer.read(data.length);
    await flush;
    expect(channel.queuedBytes).toBe(0);
    expect(received.equals(data)).toBe(true);
    channel.close();
    peer.close();
  });

  it('grows on TCP with a paused peer and returns to 0 once the peer reads', async () => {
    const { server, client } = await jar.tcpPair();
    client.pause();
    const channel = socketChannel(server);
    const size = 32 * 1024 * 1024;
    const chunk = 1024 * 1024;
    for (let offset = 0; offset < size; offset += chunk) channel.write(pattern(chunk, offset));
    let flushed = false;
    const flush = channel.flush().then(() => {
      flushed = true;
    });
    await tick(50);
    // Kernel buffers hold a few MiB at most; the rest must still be queued here.
    const queued = channel.queuedBytes;
    expect(queued).toBeGreaterThan(0);
    expect(queued).toBeLessThanOrEqual(size);
    expect(flushed).toBe(false);

    let receivedBytes = 0;
    let mismatch = -1;
    client.on('data', (part: Buffer) => {
      if (mismatch < 0 && !part.equals(pattern(part.length, receivedBytes))) mismatch = receivedBytes;
      receivedBytes += part.length;
    });
    client.resume();
    await flush;
    expect(channel.queuedBytes).toBe(0);
    await channel.shutdown();
    await new Promise((resolve) => client.once('end', resolve));
    expect(receivedBytes).toBe(size);
    expect(mismatch).toBe(-1);
    channel.close();
  }, 20_000);

  it('flush waits only for writes made before it', async () => {
    const [channel, peer] = createChannelPair({ highWaterMark: 1024 });
    channel.write(Buffer.alloc(10, 1));
    const first = channel.flush();
    await first; // the peer's buffer had room: acknowledged without a read
    channel.write(Buffer.alloc(4096, 2));
    channel.write(Buffer.alloc(4096, 3));
    const second = channel.flush();
    let secondDone = false;
    void second.then(() => (secondDone = true));
    await tick(5);
    expect(secondDone).toBe(false);
    expect((await peer.read(10)).equals(Buffer.alloc(10, 1))).toBe(true);
    expect((await peer.read(4096)).equals(Buffer.alloc(4096, 2))).toBe(true);
    expect((await peer.read(4096)).equals(Buffer.alloc(4096, 3))).toBe(true);
    await second;
    channel.close();
    peer.close();
  });

  it('rejects a pending flush with IO_CLOSED when the channel closes', async () => {
    const [channel, peer] = createChannelPair({ highWaterMark: 1024 });
    channel.write(Buffer.alloc(4096));
    channel.write(Buffer.alloc(4096));
    const flush = channel.flush();
    channel.close();
    await expect(flush).rejects.toMatchObject({
      code: IoErrorCode.CLOSED,
      message: 'queued bytes were not sent: the channel was closed',
    });
    expect(channel.queuedBytes).toBe(0);
    peer.close();
  });
});

describe('the memory pair copies like a kernel', () => {
  it('delivers what was written even if the writer reuses its buffer after flush', async () => {
    const [channel, peer] = createChannelPair();
    const scratch = Buffer.from('first');
    channel.write(scratch);
    await channel.flush();
    scratch.write('XXXXX');
    expect((await peer.read(5)).toString()).toBe('first');
    channel.close();
    peer.close();
  });
});
