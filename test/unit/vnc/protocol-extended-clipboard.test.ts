import { constants, createDeflate, deflateSync, inflateSync } from 'node:zlib';
import { ClipboardAction, ClipboardFormat } from '../../../src/vnc/protocol/constants';
import type { ClientMessage, ClientMessageLimits } from '../../../src/vnc/protocol/client-messages';
import { decodeClipboardText, encodeClipboardText } from '../../../src/vnc/protocol/extended-clipboard';
import { serverExtendedClipboard } from '../../../src/vnc/protocol/server-messages';
import { everySplit } from '../../helpers/byte-splits';
import { feedClientMessage, readExactly, SENTINEL, violationIn, type Outcome } from '../../helpers/client-messages';
import { hex, toHex } from '../../helpers/hex';

// Messages are laid out by hand from rfbproto "Extended Clipboard Pseudo-Encoding".
// Zlib streams come from Node's zlib or noVNC's own deflator, never from the code under test.
const LIMITS: ClientMessageLimits = { maxEncodings: 64, maxCutText: 1 << 20 };
const EXTENDED = { extendedClipboard: true };

/** noVNC's deflator: one pako stream, full-flushed and never finished. */
const { default: NoVncDeflator } = require('@novnc/novnc/core/deflator.js') as {
  default: new () => { deflate(data: Uint8Array): Uint8Array };
};

/** ClientCutText with the payload's length negated: 06, 3 padding, s32 -length, payload. */
function extendedCutText(payload: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head[0] = 6;
  head.writeInt32BE(-payload.length, 4);
  return Buffer.concat([head, payload]);
}

const feed = (pieces: readonly Buffer[], limits = LIMITS): Promise<Outcome> => feedClientMessage(pieces, limits, EXTENDED);
const read = (payload: Buffer, limits = LIMITS): Promise<ClientMessage> => readExactly(extendedCutText(payload), limits, EXTENDED);
const violation = async (payload: Buffer): Promise<string> => (await violationIn(extendedCutText(payload), LIMITS, EXTENDED)).message;

/** u32 size + data per format, as the inflated provide body holds them. */
function items(...datas: Buffer[]): Buffer {
  return Buffer.concat(datas.flatMap((d) => [hex(d.length.toString(16).padStart(8, '0')), d]));
}

// "héllo", CR LF, "wörld", NUL: UTF-8 by hand.
const TEXT_BYTES = hex('68 c3a9 6c6c6f 0d0a 77 c3b6 726c64 00');

describe('extended clipboard from the client', () => {
  const caps = hex('06 000000 fffffff8 1f000001 00000000'); // noVNC's answer to the server's caps

  it.each(everySplit(caps))("reads noVNC's caps: text only, size 0 ($name)", async ({ pieces }) => {
    expect(await feed(pieces)).toEqual({
      ok: true,
      message: {
        type: 'extended-clipboard',
        clipboard: {
          action: 'caps',
          actions: ClipboardAction.REQUEST | ClipboardAction.PEEK | ClipboardAction.NOTIFY | ClipboardAction.PROVIDE,
          maxSizes: new Map([[ClipboardFormat.TEXT, 0]]),
        },
      },
      next: SENTINEL,
    });
  });

  it('reads caps with sizes in format bit order', async () => {
    expect(await read(hex('01000005 00010000 00000400'))).toEqual({
      type: 'extended-clipboard',
      clipboard: { action: 'caps', actions: 0, maxSizes: new Map([[1, 0x10000], [4, 0x400]]) },
    });
  });

  it('reads request, peek and notify (flags only)', async () => {
    expect(await read(hex('02000001'))).toEqual({ type: 'extended-clipboard', clipboard: { action: 'request', formats: 1 } });
    expect(await read(hex('04000000'))).toEqual({ type: 'extended-clipboard', clipboard: { action: 'peek' } });
    expect(await read(hex('08000001'))).toEqual({ type: 'extended-clipboard', clipboard: { action: 'notify', formats: 1 } });
    expect(await read(hex('08000000'))).toEqual({ type: 'extended-clipboard', clipboard: { action: 'notify', formats: 0 } });
  });

  const provide = extendedCutText(Buffer.concat([hex('10000001'), deflateSync(items(TEXT_BYTES))]));

  it.each(everySplit(provide))('reads a provide of text ($name)', async ({ pieces }) => {
    const outcome = await feed(pieces);
    expect(outcome).toEqual({
      ok: true,
      message: { type: 'extended-clipboard', clipboard: { action: 'provide', data: new Map([[1, TEXT_BYTES]]) } },
      next: SENTINEL,
    });
  });

  it("reads noVNC's provide: a stream full-flushed, never finished", async () => {
    const stream = Buffer.from(new NoVncDeflator().deflate(items(TEXT_BYTES)));
    expect(() => inflateSync(stream)).toThrow(); // not a finished stream: proves the case is real
    const message = await read(Buffer.concat([hex('10000001'), stream]));
    expect(message).toEqual({ type: 'extended-clipboard', clipboard: { action: 'provide', data: new Map([[1, TEXT_BYTES]]) } });
  });

  it('reads several formats in bit order', async () => {
    const html = Buffer.from('<b>x</b>');
    const message = await read(Buffer.concat([hex('10000005'), deflateSync(items(TEXT_BYTES, html))]));
    expect(message).toEqual({
      type: 'extended-clipboard',
      clipboard: { action: 'provide', data: new Map([[1, TEXT_BYTES], [4, html]]) },
    });
  });

  it('refuses malformed flags, each with its reason', async () => {
    expect(await violation(hex('00000001'))).toBe('extended clipboard: no action in the flags');
    expect(await violation(hex('0a000001'))).toBe('extended clipboard: action bits 0x0a000000 are not exactly one known action');
    expect(await violation(hex('20000000'))).toBe('extended clipboard: action bits 0x20000000 are not exactly one known action');
    expect(await violation(hex('01000003 00000000'))).toBe('extended clipboard: caps for 2 formats need 12 bytes, 8 sent');
  });

  it('refuses provide data that is not there or lies about its size', async () => {
    expect(await violation(Buffer.concat([hex('10000003'), deflateSync(items(TEXT_BYTES))]))).toBe(
      `extended clipboard: provide data ends before the size of format 0x2 (${4 + TEXT_BYTES.length} bytes inflated)`,
    );
    expect(await violation(Buffer.concat([hex('10000001'), deflateSync(hex('00000064 616263'))]))).toBe(
      'extended clipboard: provide data for format 0x1 declares 100 bytes, 3 inflated',
    );
    expect(await violation(Buffer.concat([hex('10000001'), Buffer.from('garbage!')]))).toBe(
      'extended clipboard: provide data is not a valid zlib stream (incorrect header check)',
    );
  });
});

describe('extended clipboard inflate (CVE-2023-3255 and friends)', () => {
  it('stops a zlib bomb at the 1 MiB cap: the message is dropped, the connection kept', async () => {
    const bomb = deflateSync(items(Buffer.alloc(16 << 20)), { level: 9 });
    expect(bomb.length).toBeLessThan(20_000);
    const started = process.hrtime.bigint();
    expect(await read(Buffer.concat([hex('10000001'), bomb]))).toEqual({
      type: 'cut-text-dropped', length: 4 + bomb.length, reason: 'inflates-too-far',
    });
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(1000);
  });

  it('holds the cap to the byte', async () => {
    const payload = Buffer.concat([hex('10000001'), deflateSync(items(hex('68656c6c6f00')))]); // 4 + 6 = 10 bytes inflated
    expect(await read(payload, { ...LIMITS, maxClipboardInflate: 10 })).toMatchObject({ type: 'extended-clipboard' });
    expect(await read(payload, { ...LIMITS, maxClipboardInflate: 9 })).toEqual({
      type: 'cut-text-dropped', length: payload.length, reason: 'inflates-too-far',
    });
  });

  it('refuses a truncated stream', async () => {
    const text = Buffer.from(Array.from({ length: 2000 }, (_, i) => 0x41 + ((i * 7) % 26)));
    const stream = deflateSync(items(text));
    const message = await violation(Buffer.concat([hex('10000001'), stream.subarray(0, stream.length >> 1)]));
    expect(message).toMatch(/^extended clipboard: provide data for format 0x1 declares 2000 bytes, \d+ inflated$/);
    // Cut inside the zlib header: nothing inflates at all.
    expect(await violation(Buffer.concat([hex('10000001'), stream.subarray(0, 1)]))).toBe(
      'extended clipboard: provide data ends before the size of format 0x1 (0 bytes inflated)',
    );
  });

  it('refuses a valid stream followed by junk, at once', async () => {
    const started = process.hrtime.bigint();
    expect(await violation(Buffer.concat([hex('10000001'), deflateSync(items(TEXT_BYTES)), hex('41414141')]))).toBe(
      'extended clipboard: 4 bytes after the end of the provide zlib stream',
    );
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(100);
  });
});

describe('extended clipboard from the server (ServerCutText, negative length)', () => {
  it('writes caps with sizes in format bit order', () => {
    const message = serverExtendedClipboard({
      action: 'caps',
      actions: ClipboardAction.REQUEST | ClipboardAction.PEEK | ClipboardAction.NOTIFY | ClipboardAction.PROVIDE,
      maxSizes: new Map([[ClipboardFormat.HTML, 0], [ClipboardFormat.TEXT, 0x100000]]),
    });
    expect(toHex(message)).toBe(toHex(hex('03 000000 fffffff4 1f000005 00100000 00000000')));
  });

  it('writes request, peek and notify', () => {
    expect(toHex(serverExtendedClipboard({ action: 'request', formats: 1 }))).toBe('03000000fffffffc02000001');
    expect(toHex(serverExtendedClipboard({ action: 'peek' }))).toBe('03000000fffffffc04000000');
    expect(toHex(serverExtendedClipboard({ action: 'notify', formats: 1 }))).toBe('03000000fffffffc08000001');
  });

  it('writes a provide as one finished zlib stream of size + data per format', () => {
    const message = serverExtendedClipboard({ action: 'provide', data: new Map([[ClipboardFormat.TEXT, encodeClipboardText('a\nb')]]) });
    expect(toHex(message.subarray(0, 4))).toBe('03000000');
    expect(message.readInt32BE(4)).toBe(-(message.length - 8));
    expect(toHex(message.subarray(8, 12))).toBe('10000001');
    // inflateSync without a flush mode fails on an unfinished stream, so this also proves it is finished.
    expect(toHex(inflateSync(message.subarray(12)))).toBe(toHex(hex('00000005 61 0d0a 62 00')));
  });

  it('refuses what does not fit the wire', () => {
    expect(() => serverExtendedClipboard({ action: 'notify', formats: 0x10000 })).toThrow('clipboard formats 0x10000 are outside bits 0-15');
    expect(() => serverExtendedClipboard({ action: 'caps', actions: 0, maxSizes: new Map([[3, 0]]) })).toThrow(
      'clipboard format 3 is not a single bit among bits 0-15',
    );
    expect(() => serverExtendedClipboard({ action: 'caps', actions: 1, maxSizes: new Map() })).toThrow(
      'clipboard actions 0x1 are outside bits 24-31',
    );
  });

  it('is read back by a noVNC-style reader: provide inflates with a flushing inflater too', async () => {
    const message = serverExtendedClipboard({ action: 'provide', data: new Map([[1, TEXT_BYTES]]) });
    const out = inflateSync(message.subarray(12), { finishFlush: constants.Z_SYNC_FLUSH });
    expect(toHex(out)).toBe(toHex(items(TEXT_BYTES)));
    // And a stream made by Node's streaming deflater with a sync flush reads the same on our side.
    const deflate = createDeflate();
    const parts: Buffer[] = [];
    deflate.on('data', (chunk: Buffer) => parts.push(chunk));
    deflate.write(items(TEXT_BYTES));
    await new Promise<void>((resolve) => deflate.flush(constants.Z_SYNC_FLUSH, () => resolve()));
    deflate.close();
    expect(await read(Buffer.concat([hex('10000001'), ...parts]))).toMatchObject({ clipboard: { action: 'provide' } });
  });
});

describe('clipboard text', () => {
  it('decodes UTF-8 up to the NUL, CR LF to LF', () => {
    expect(decodeClipboardText(TEXT_BYTES)).toBe('héllo\nwörld');
    expect(decodeClipboardText(hex('61 00 62'))).toBe('a');
    expect(decodeClipboardText(hex('61 0d 62'))).toBe('a\rb');
    expect(decodeClipboardText(new Uint8Array(0))).toBe('');
  });

  it('encodes with CR LF line ends (from LF, CR or CR LF) and a NUL', () => {
    expect(toHex(encodeClipboardText('héllo\nwörld'))).toBe(toHex(TEXT_BYTES));
    expect(toHex(encodeClipboardText('a\rb\r\nc'))).toBe(toHex(hex('61 0d0a 62 0d0a 63 00')));
    expect(toHex(encodeClipboardText(''))).toBe('00');
  });
});
