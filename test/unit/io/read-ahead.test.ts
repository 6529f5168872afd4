import { ReadAhead } from '../../../src/io/read-ahead';

describe('ReadAhead', () => {
  it('hands out a view, not a copy, when the bytes sit in one chunk', () => {
    const queue = new ReadAhead();
    const chunk = Buffer.from('abcdef');
    queue.push(chunk);
    const first = queue.take(2);
    expect(first.toString()).toBe('ab');
    expect(first.buffer).toBe(chunk.buffer);
    expect(first.byteOffset).toBe(chunk.byteOffset);
    expect(queue.take(4).toString()).toBe('cdef');
    expect(queue.length).toBe(0);
  });

  it('joins chunks only when a take spans them', () => {
    const queue = new ReadAhead();
    queue.push(Buffer.from('ab'));
    queue.push(Buffer.alloc(0));
    queue.push(Buffer.from('cde'));
    queue.push(Buffer.from('fg'));
    expect(queue.length).toBe(7);
    expect(queue.take(1).toString()).toBe('a');
    expect(queue.take(5).toString()).toBe('bcdef');
    expect(queue.length).toBe(1);
    expect(queue.take(0).length).toBe(0);
    expect(queue.take(1).toString()).toBe('g');
  });

  it('drains what is left in order, starting mid-chunk', () => {
    const queue = new ReadAhead();
    queue.push(Buffer.from('xyz'));
    queue.push(Buffer.from('123'));
    queue.take(1);
    expect(queue.drain().map((chunk) => chunk.toString())).toEqual(['yz', '123']);
    expect(queue.length).toBe(0);
    expect(queue.drain()).toEqual([]);
  });

  it('refuses to take more than it holds', () => {
    const queue = new ReadAhead();
    queue.push(Buffer.from('ab'));
    expect(() => queue.take(3)).toThrow('read-ahead holds 2 bytes, 3 were taken');
  });
});
