/**
 * Just enough DER to read what OpenSSL and Node do not tell us about X.509
 * certificates and CRLs: extension criticality, key-usage bits, basic
 * constraints presence, validity times, revoked serial numbers. Strict: a
 * malformed encoding throws a DerError naming what was being read; the callers
 * turn it into a problem report that names the file.
 */

/** ASN.1 universal tags used by X.509 (class universal, low tag numbers). */
export const DerTag = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

export class DerError extends Error {}

/** One TLV. `tag` is the whole identifier octet (class, constructed bit and number). */
export interface DerNode {
  readonly tag: number;
  /** The contents octets. */
  readonly content: Buffer;
  /** Identifier, length and contents: the exact encoding (what a signature covers). */
  readonly raw: Buffer;
}

/** Reads the TLV at `offset`; `raw` is a view of `buffer`, nothing is copied. */
export function readDer(buffer: Buffer, offset = 0, what = 'value'): DerNode {
  const tag = buffer[offset];
  const first = buffer[offset + 1];
  if (tag === undefined || first === undefined) throw new DerError(`${what}: truncated DER header`);
  if ((tag & 0x1f) === 0x1f) throw new DerError(`${what}: high tag numbers are not used in X.509`);
  let length = first;
  let header = 2;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count === 0 || count > 4) throw new DerError(`${what}: unsupported DER length of ${count} octets`);
    length = 0;
    for (let i = 0; i < count; i++) {
      const byte = buffer[offset + 2 + i];
      if (byte === undefined) throw new DerError(`${what}: truncated DER length`);
      length = length * 256 + byte;
    }
    header += count;
  }
  const end = offset + header + length;
  if (end > buffer.length) throw new DerError(`${what}: DER length ${length} runs past the end of the data`);
  return { tag, content: buffer.subarray(offset + header, end), raw: buffer.subarray(offset, end) };
}

/** Reads a whole buffer that must hold exactly one TLV. */
export function readDerExact(buffer: Buffer, what: string): DerNode {
  const node = readDer(buffer, 0, what);
  if (node.raw.length !== buffer.length) throw new DerError(`${what}: trailing bytes after the DER value`);
  return node;
}

/** The TLVs inside a constructed node. */
export function derChildren(node: DerNode, what: string): DerNode[] {
  if ((node.tag & 0x20) === 0) throw new DerError(`${what}: expected a constructed value, found tag 0x${hex(node.tag)}`);
  const out: DerNode[] = [];
  let offset = 0;
  while (offset < node.content.length) {
    const child = readDer(node.content, offset, what);
    out.push(child);
    offset += child.raw.length;
  }
  return out;
}

export function expectTag(node: DerNode | undefined, tag: number, what: string): DerNode {
  if (node === undefined) throw new DerError(`${what}: missing`);
  if (node.tag !== tag) throw new DerError(`${what}: expected tag 0x${hex(tag)}, found 0x${hex(node.tag)}`);
  return node;
}

/** Context-specific tag `[n]`, constructed (EXPLICIT tagging). */
export function contextTag(n: number): number {
  return 0xa0 | n;
}

export function derOid(node: DerNode | undefined, what: string): string {
  const bytes = expectTag(node, DerTag.OID, what).content;
  if (bytes.length === 0) throw new DerError(`${what}: empty OID`);
  const arcs: number[] = [];
  let value = 0;
  for (const byte of bytes) {
    value = value * 128 + (byte & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER) throw new DerError(`${what}: OID arc too large`);
    if ((byte & 0x80) === 0) {
      if (arcs.length === 0) {
        const top = value < 40 ? 0 : value < 80 ? 1 : 2;
        arcs.push(top, value - top * 40);
      } else {
        arcs.push(value);
      }
      value = 0;
    }
  }
  if ((bytes[bytes.length - 1] ?? 0) & 0x80) throw new DerError(`${what}: truncated OID`);
  return arcs.join('.');
}

export function derBoolean(node: DerNode | undefined, what: string): boolean {
  const bytes = expectTag(node, DerTag.BOOLEAN, what).content;
  if (bytes.length !== 1) throw new DerError(`${what}: BOOLEAN of ${bytes.length} octets`);
  return bytes[0] !== 0;
}

/** An INTEGER as unsigned upper-case hex without leading zeros (how serial numbers are compared). */
export function derIntegerHex(node: DerNode | undefined, what: string): string {
  const bytes = expectTag(node, DerTag.INTEGER, what).content;
  if (bytes.length === 0) throw new DerError(`${what}: empty INTEGER`);
  const text = bytes.toString('hex').toUpperCase().replace(/^0+/, '');
  return text === '' ? '0' : text;
}

/** BIT STRING bits, bit 0 first (the most significant bit of the first octet). */
export function derBits(node: DerNode | undefined, what: string): boolean[] {
  const bytes = expectTag(node, DerTag.BIT_STRING, what).content;
  const unused = bytes[0];
  if (unused === undefined || unused > 7 || (bytes.length === 1 && unused !== 0)) {
    throw new DerError(`${what}: malformed BIT STRING`);
  }
  const bits: boolean[] = [];
  const count = (bytes.length - 1) * 8 - unused;
  for (let i = 0; i < count; i++) bits.push((((bytes[1 + (i >> 3)] ?? 0) >> (7 - (i & 7))) & 1) === 1);
  return bits;
}

/** BIT STRING contents as bytes (a signature); the unused-bits count must be 0. */
export function derBitStringBytes(node: DerNode | undefined, what: string): Buffer {
  const bytes = expectTag(node, DerTag.BIT_STRING, what).content;
  if (bytes[0] !== 0) throw new DerError(`${what}: BIT STRING is not a whole number of octets`);
  return bytes.subarray(1);
}

export function isTime(node: DerNode | undefined): node is DerNode {
  return node !== undefined && (node.tag === DerTag.UTC_TIME || node.tag === DerTag.GENERALIZED_TIME);
}

/** UTCTime (YYMMDDHHMMSSZ, years 1950–2049) or GeneralizedTime (YYYYMMDDHHMMSSZ). */
export function derTime(node: DerNode | undefined, what: string): Date {
  if (!isTime(node)) throw new DerError(`${what}: expected a UTCTime or GeneralizedTime`);
  const text = node.content.toString('latin1');
  const utc = node.tag === DerTag.UTC_TIME;
  const match = (utc ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/ : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/).exec(
    text,
  );
  if (match === null) throw new DerError(`${what}: malformed time ${JSON.stringify(text)}`);
  const [, y, mo, d, h, mi, s] = match.map(Number) as [number, number, number, number, number, number, number];
  const year = utc ? (y < 50 ? 2000 + y : 1900 + y) : y;
  return new Date(Date.UTC(year, mo - 1, d, h, mi, s));
}

function hex(n: number): string {
  return n.toString(16).padStart(2, '0');
}
