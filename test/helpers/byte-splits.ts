/**
 * Ways to deliver one message in pieces, for tests that must give the same
 * result however the transport cuts the bytes: every cut into two pieces,
 * plus one byte at a time.
 */
export interface Delivery {
  readonly name: string;
  readonly pieces: readonly Buffer[];
}

export function everySplit(message: Uint8Array): Delivery[] {
  const bytes = Buffer.from(message);
  const out: Delivery[] = [{ name: 'whole', pieces: [bytes] }];
  for (let cut = 1; cut < bytes.length; cut++) {
    out.push({ name: `cut at ${cut}`, pieces: [bytes.subarray(0, cut), bytes.subarray(cut)] });
  }
  out.push({ name: 'byte at a time', pieces: byteAtATime(bytes) });
  return out;
}

export function byteAtATime(message: Uint8Array): Buffer[] {
  return Array.from(message, (byte) => Buffer.from([byte]));
}

/** The slices `sizes` cut from `message`, in order: the reads a correct reader returns. */
export function expectedReads(message: Uint8Array, sizes: readonly number[]): Buffer[] {
  const out: Buffer[] = [];
  let offset = 0;
  for (const size of sizes) {
    out.push(Buffer.from(message.subarray(offset, offset + size)));
    offset += size;
  }
  if (offset !== message.length) throw new Error(`sizes cover ${offset} of ${message.length} bytes`);
  return out;
}
