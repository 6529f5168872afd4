import { IoErrorCode, createChannelPair, type Channel } from '../../../src/io';
import { everySplit, expectedReads } from '../../helpers/byte-splits';
import { SocketJar } from '../../helpers/sockets';
import { transports } from './transports';

// 20 bytes: a version line then a binary tail, read in uneven pieces (with a 0).
const MESSAGE = Buffer.concat([Buffer.from('RFB 003.008\n'), Buffer.from([0, 1, 2, 0xfe, 0xff, 7, 8, 9])]);
const SIZES = [1, 3, 0, 4, 2, 10];
const EXPECTED = expectedReads(MESSAGE, SIZES);

async function readAll(channel: Channel, sizes: readonly number[]): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (const size of sizes) out.push(await channel.read(size));
  return out;
}

const jar = new SocketJar();
afterEach(() => jar.closeAll());

describe.each(transports)('reads over $name', (transport) => {
  it('gives the same reads for every split when the reads wait for the bytes', async () => {
    const rig = await transport.open(jar);
    // One connection for every delivery: each consumes exactly the message.
    for (const delivery of everySplit(MESSAGE)) {
      const reads = readAll(rig.channel, SIZES);
      for (const piece of delivery.pieces) {
        rig.send(piece);
        await rig.settle();
      }
      expect({ delivery: delivery.name, reads: await reads }).toEqual({ delivery: delivery.name, reads: EXPECTED });
    }
    rig.channel.close();
  });

  it('gives the same reads for every split when the bytes arrive before the first read', async () => {
    const rig = await transport.open(jar);
    for (const delivery of everySplit(MESSAGE)) {
      for (const piece of delivery.pieces) {
        rig.send(piece);
        await rig.settle();
      }
      const reads = await readAll(rig.channel, SIZES);
      expect({ delivery: delivery.name, reads }).toEqual({ delivery: delivery.name, reads: EXPECTED });
    }
    rig.channel.close();
  });

  it('rejects a read cut short by EOF with how many bytes had arrived', async () => {
    const rig = await transport.open(jar);
    rig.send(Buffer.from('abcde'));
    rig.end();
    await expect(rig.channel.read(12)).rejects.toMatchObject({
      code: IoErrorCode.EOF,
      message: 'peer closed the connection after 5 of 12 bytes',
    });
    // The bytes were not consumed by the failed read, and EOF stays EOF.
    expect((await rig.channel.read(5)).toString()).toBe('abcde');
    await expect(rig.channel.read(1)).rejects.toMatchObject({ code: IoErrorCode.EOF });
    expect(rig.channel.isOpen).toBe(true);
    rig.channel.close();
  });

  it('rejects with IO_EOF, not a hang, when the peer ended while no read was pending', async () => {
    const rig = await transport.open(jar);
    rig.end();
    await rig.settle();
    await rig.settle();
    await expect(rig.channel.read(1)).rejects.toMatchObject({
      code: IoErrorCode.EOF,
      message: 'peer closed the connection after 0 of 1 bytes',
    });
    rig.channel.close();
  });

  it('resolves a read of 0 bytes at once with an empty buffer', async () => {
    const rig = await transport.open(jar);
    const empty = await rig.channel.read(0);
    expect(empty.length).toBe(0);
    rig.channel.close();
  });
});

describe('read limits', () => {
  it('rejects a read above maxRead with IO_READ_TOO_LARGE', async () => {
    const [channel, peer] = createChannelPair({ maxRead: 100 });
    expect(channel.maxRead).toBe(100);
    await expect(channel.read(101)).rejects.toMatchObject({
      code: IoErrorCode.READ_TOO_LARGE,
      message: 'cannot read 101 bytes: the limit is 100',
    });
    peer.write(Buffer.alloc(100, 7));
    expect(await channel.read(100)).toEqual(Buffer.alloc(100, 7));
    channel.close();
    peer.close();
  });

  it('defaults maxRead to 4 MiB', () => {
    const [channel, peer] = createChannelPair();
    expect(channel.maxRead).toBe(4 * 1024 * 1024);
    channel.close();
    peer.close();
  });

  it('rejects a second concurrent read with IO_READ_BUSY and keeps the first', async () => {
    const [channel, peer] = createChannelPair();
    const first = channel.read(4);
    await expect(channel.read(2)).rejects.toMatchObject({
      code: IoErrorCode.READ_BUSY,
      message: 'cannot read 2 bytes: a read of 4 bytes is still pending',
    });
    peer.write(Buffer.from('wxyz'));
    expect((await first).toString()).toBe('wxyz');
    channel.close();
    peer.close();
  });

  it('rejects a negative or fractional length', async () => {
    const [channel, peer] = createChannelPair();
    await expect(channel.read(-1)).rejects.toThrow(RangeError);
    await expect(channel.read(1.5)).rejects.toThrow(RangeError);
    channel.close();
    peer.close();
  });
});
