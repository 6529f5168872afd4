/**
 * The Extended Clipboard payload (rfbproto "Extended Clipboard Pseudo-Encoding"):
 * what follows the negative length of a ClientCutText or ServerCutText. The same
 * layout goes both ways, so one module reads and writes it.
 *
 * Layout: u32 flags (formats in bits 0-15, actions in 24-31), then
 * - caps: one u32 maximum size per format bit set, in bit order;
 * - provide: a zlib stream of its own (one per message) holding, per format
 *   bit set in bit order, u32 size + data;
 * - request, peek, notify: nothing.
 */
import { constants, deflateSync, inflateSync } from 'node:zlib';
import { VncError, VncErrorCode } from '../errors';
import { ClipboardAction } from './constants';
import { MessageWriter } from './writer';

export type ExtendedClipboardMessage =
  | {
      readonly action: 'caps';
      /** The other actions the sender accepts (ClipboardAction bits; CAPS itself not included). */
      readonly actions: number;
      /** Per format the sender accepts (a ClipboardFormat bit), the largest unsolicited size. */
      readonly maxSizes: ReadonlyMap<number, number>;
    }
  /** Asks for a provide with these formats (a bit mask). */
  | { readonly action: 'request'; readonly formats: number }
  /** Asks for a notify. */
  | { readonly action: 'peek' }
  /** The sender's clipboard changed and now holds these formats (a bit mask). */
  | { readonly action: 'notify'; readonly formats: number }
  /** Clipboard contents as sent, per format bit (text: see decodeClipboardText). */
  | { readonly action: 'provide'; readonly data: ReadonlyMap<number, Uint8Array> };

/** QEMU's cap on inflated clipboard data (after CVE-2023-3255). */
export const DEFAULT_MAX_CLIPBOARD_INFLATE = 1024 * 1024;

const FORMAT_MASK = 0xffff;
const ACTION_MASK = 0xff00_0000;
const SINGLE_ACTIONS: ReadonlyMap<number, 'request' | 'peek' | 'notify' | 'provide'> = new Map([
  [ClipboardAction.REQUEST, 'request'],
  [ClipboardAction.PEEK, 'peek'],
  [ClipboardAction.NOTIFY, 'notify'],
  [ClipboardAction.PROVIDE, 'provide'],
] as const);

function violation(message: string, cause?: unknown): VncError {
  return new VncError(VncErrorCode.PROTOCOL, `extended clipboard: ${message}`, cause === undefined ? undefined : { cause });
}

/** The format bits set in `flags`, lowest first: the order of sizes and data on the wire. */
export function formatBits(flags: number): number[] {
  const bits: number[] = [];
  for (let i = 0; i < 16; i++) if (flags & (1 << i)) bits.push(1 << i);
  return bits;
}

/**
 * Reads a whole payload (`body` is the |length| bytes). Data that inflates
 * past `maxInflated` bytes gives undefined: it is dropped, never held whole.
 * Anything malformed throws VncError VNC_PROTOCOL. Bytes after what the
 * message needs (beyond the flags, the sizes, the declared data) are ignored.
 */
export function decodeExtendedClipboard(body: Buffer, maxInflated: number): ExtendedClipboardMessage | undefined {
  if (body.length < 4) throw violation(`${body.length} bytes, but the flags alone need 4`);
  const flags = body.readUInt32BE(0);
  const formats = flags & FORMAT_MASK;
  const actions = (flags & ACTION_MASK) >>> 0;
  if (actions & ClipboardAction.CAPS) {
    const bits = formatBits(formats);
    if (body.length < 4 + 4 * bits.length) {
      throw violation(`caps for ${bits.length} formats need ${4 + 4 * bits.length} bytes, ${body.length} sent`);
    }
    const maxSizes = new Map(bits.map((bit, i) => [bit, body.readUInt32BE(4 + 4 * i)] as const));
    return { action: 'caps', actions: (actions & ~ClipboardAction.CAPS) >>> 0, maxSizes };
  }
  const action = SINGLE_ACTIONS.get(actions);
  if (action === undefined) {
    const hex = `0x${actions.toString(16).padStart(8, '0')}`;
    throw violation(actions === 0 ? 'no action in the flags' : `action bits ${hex} are not exactly one known action`);
  }
  switch (action) {
    case 'request':
    case 'notify':
      return { action, formats };
    case 'peek':
      return { action };
    case 'provide': {
      const inflated = inflateBounded(body.subarray(4), maxInflated);
      return inflated === undefined ? undefined : { action, data: splitProvided(inflated, formats) };
    }
  }
}

/**
 * Inflates one complete-or-flushed zlib stream with at most `max` bytes out.
 * A stream ended by a sync/full flush (noVNC's) is accepted like a finished one;
 * a cut stream shows up as missing data when the formats are split.
 */
function inflateBounded(data: Buffer, max: number): Buffer | undefined {
  let result: { buffer: Buffer; engine: { bytesWritten: number } };
  try {
    // `info` exposes how much input the stream used; @types/node does not model it.
    result = inflateSync(data, {
      maxOutputLength: Math.max(1, max),
      finishFlush: constants.Z_SYNC_FLUSH,
      info: true,
    }) as unknown as typeof result;
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') return undefined;
    throw violation(`provide data is not a valid zlib stream (${(error as Error).message})`, error);
  }
  // Input left after the end of the stream (CVE-2023-3255 spun QEMU on it).
  const used = result.engine.bytesWritten;
  if (used < data.length) throw violation(`${data.length - used} bytes after the end of the provide zlib stream`);
  if (result.buffer.length > max) return undefined;
  return result.buffer;
}

function splitProvided(inflated: Buffer, formats: number): Map<number, Uint8Array> {
  const data = new Map<number, Uint8Array>();
  let at = 0;
  for (const bit of formatBits(formats)) {
    if (inflated.length - at < 4) {
      throw violation(`provide data ends before the size of format 0x${bit.toString(16)} (${inflated.length} bytes inflated)`);
    }
    const size = inflated.readUInt32BE(at);
    at += 4;
    if (inflated.length - at < size) {
      throw violation(`provide data for format 0x${bit.toString(16)} declares ${size} bytes, ${inflated.length - at} inflated`);
    }
    data.set(bit, inflated.subarray(at, at + size));
    at += size;
  }
  return data;
}

/** The payload bytes for `message` (a provide is deflated here, one finished stream per message). */
export function encodeExtendedClipboard(message: ExtendedClipboardMessage): Buffer {
  switch (message.action) {
    case 'caps': {
      const bits = [...message.maxSizes.keys()].sort((a, b) => a - b);
      bits.forEach(checkFormatBit);
      checkActions(message.actions);
      const writer = new MessageWriter(4 + 4 * bits.length);
      writer.u32((ClipboardAction.CAPS | message.actions | bits.reduce((a, b) => a | b, 0)) >>> 0);
      for (const bit of bits) writer.u32(message.maxSizes.get(bit) ?? 0);
      return writer.finish();
    }
    case 'request':
    case 'notify':
      checkFormats(message.formats);
      return flagsOnly(message.action === 'request' ? ClipboardAction.REQUEST : ClipboardAction.NOTIFY, message.formats);
    case 'peek':
      return flagsOnly(ClipboardAction.PEEK, 0);
    case 'provide': {
      const bits = [...message.data.keys()].sort((a, b) => a - b);
      bits.forEach(checkFormatBit);
      const plain = new MessageWriter();
      for (const bit of bits) {
        const data = message.data.get(bit) ?? new Uint8Array(0);
        plain.u32(data.length).bytes(data);
      }
      const formats = bits.reduce((a, b) => a | b, 0);
      return Buffer.concat([flagsOnly(ClipboardAction.PROVIDE, formats), deflateSync(plain.finish())]);
    }
  }
}

function flagsOnly(action: number, formats: number): Buffer {
  return new MessageWriter(4).u32((action | formats) >>> 0).finish();
}

function checkFormatBit(bit: number): void {
  if (!(Number.isInteger(bit) && bit > 0 && bit <= 0x8000 && (bit & (bit - 1)) === 0)) {
    throw new VncError(VncErrorCode.OUT_OF_BOUNDS, `clipboard format ${bit} is not a single bit among bits 0-15`);
  }
}

function checkFormats(formats: number): void {
  if (!(Number.isInteger(formats) && formats >= 0 && formats <= FORMAT_MASK)) {
    throw new VncError(VncErrorCode.OUT_OF_BOUNDS, `clipboard formats 0x${formats.toString(16)} are outside bits 0-15`);
  }
}

function checkActions(actions: number): void {
  if (!(Number.isInteger(actions) && actions >= 0 && (actions & ~ACTION_MASK) === 0)) {
    throw new VncError(VncErrorCode.OUT_OF_BOUNDS, `clipboard actions 0x${actions.toString(16)} are outside bits 24-31`);
  }
}

/**
 * Text as the extended clipboard carries it: UTF-8 up to the terminating NUL,
 * CR LF line ends. Returned with LF line ends, like classic cut text.
 */
export function decodeClipboardText(data: Uint8Array): string {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.length);
  const nul = bytes.indexOf(0);
  return bytes.toString('utf8', 0, nul < 0 ? bytes.length : nul).replace(/\r\n/g, '\n');
}

/** The inverse: line ends made CR LF (lone CR or LF alike), UTF-8, a NUL at the end. */
export function encodeClipboardText(text: string): Buffer {
  return Buffer.from(`${text.replace(/\r\n|\r|\n/g, '\r\n')}\0`, 'utf8');
}
