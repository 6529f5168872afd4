import { createChannelPair } from '../../../src/io';

describe('channel byte counters', () => {
  it('count bytes accepted for writing and bytes handed to readers, nothing after close', async () => {
    const [a, b] = createChannelPair();
    a.write(Buffer.from('hello'), Buffer.alloc(0), Buffer.from(' world'));
    expect(a.bytesWritten).toBe(11);
    expect((await b.read(4)).toString()).toBe('hell');
    expect(b.bytesRead).toBe(4); // read ahead does not count until handed out
    expect((await b.read(7)).toString()).toBe('o world');
    expect(b.bytesRead).toBe(11);
    a.close();
    a.write(Buffer.from('dropped'));
    expect(a.bytesWritten).toBe(11);
    b.close();
  });
});
