import { createInflate, constants } from 'node:zlib';
import { ZlibStream } from '../../../src/vnc/encoders/zlib-stream';

/** Inflates a sequence of sync-flushed chunks as one stream, as a client does. */
async function inflateChunks(chunks: Buffer[]): Promise<Buffer[]> {
  const inflate = createInflate();
  const out: Buffer[] = [];
  for (const chunk of chunks) {
    const parts: Buffer[] = [];
    const onData = (part: Buffer): void => {
      parts.push(part);
    };
    inflate.on('data', onData);
    inflate.write(chunk);
    await new Promise<void>((resolve) => inflate.flush(constants.Z_SYNC_FLUSH, () => resolve()));
    inflate.off('data', onData);
    out.push(Buffer.concat(parts));
  }
  inflate.close();
  return out;
}

describe('ZlibStream', () => {
  it('gives chunks that each decode fully, in order, as one continuing stream, across level changes', async () => {
    const stream = new ZlibStream(6);
    const text = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 7919 + (i >> 3) * 104729) % 251));
    const inputs = [text, Buffer.alloc(0), Buffer.alloc(5000, 7), text];
    const levels = [6, 6, 1, 9];
    const chunks = await Promise.all(inputs.map((input, i) => stream.compress(input, levels[i])));
    stream.close();
    expect(await inflateChunks(chunks)).toEqual(inputs);
    // The dictionary carries over: the same bytes again cost a fraction of the first time.
    expect(chunks[3]?.length).toBeLessThan((chunks[0]?.length ?? 0) / 4);
  });

  it('fails after close', async () => {
    const stream = new ZlibStream(1);
    stream.close();
    await expect(stream.compress(Buffer.from('x'))).rejects.toThrow('zlib stream closed');
  });
});
