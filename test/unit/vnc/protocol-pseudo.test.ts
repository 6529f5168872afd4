import type { EncodedRect } from '../../../src/vnc/encoders/encoder';
import { cursorMask, cursorRect, cursorWithAlphaRect, HIDDEN_CURSOR, type CursorImage } from '../../../src/vnc/encoders/cursor';
import {
  desktopNameRect,
  extendedDesktopSizeRect,
  ledStateRect,
  pointerMotionChangeRect,
  qemuExtendedKeyEventRect,
} from '../../../src/vnc/encoders/pseudo';
import { DesktopSizeReason, DesktopSizeStatus, LedBit } from '../../../src/vnc/protocol/constants';
import { BGR233_MAP, BGRX32, RGB565, type PixelFormat } from '../../../src/vnc/protocol/pixel-format';
import { checkScreenLayout, singleScreen } from '../../../src/vnc/protocol/screen-layout';
import { rectangleHeader } from '../../../src/vnc/protocol/server-messages';
import { hex, toHex } from '../../helpers/hex';

// Every expected rectangle is written by hand from rfbproto: u16 x, y, w, h, s32 encoding, body.
// Pseudo-encodings as s32: -224 ffffff20, -239 ffffff11, -257 fffffeff, -258 fffffefe,
// -261 fffffefb, -307 fffffecd, -308 fffffecc, -314 fffffec6.
function wire(rect: EncodedRect): string {
  return toHex(Buffer.concat([rectangleHeader(rect.rect, rect.encoding), ...rect.body]));
}

function expected(text: string): string {
  return toHex(hex(text));
}

/** noVNC's format: 32 bpp little-endian, red at shift 0 (bytes R, G, B, X). */
const NOVNC: PixelFormat = { ...BGRX32, redShift: 0, blueShift: 16 };

describe('state pseudo-rectangles', () => {
  it('DesktopName (-307): zero rect, u32 length, UTF-8', () => {
    expect(wire(desktopNameRect('café'))).toBe(expected('0000 0000 0000 0000 fffffecd  00000005 636166c3a9'));
    expect(wire(desktopNameRect(''))).toBe(expected('0000 0000 0000 0000 fffffecd  00000000'));
  });

  it('ExtendedDesktopSize (-308): x reason, y status, size; u8 count, 3 zero bytes, screens', () => {
    const ok = extendedDesktopSizeRect({
      reason: DesktopSizeReason.THIS_CLIENT,
      status: DesktopSizeStatus.OK,
      width: 1920,
      height: 1080,
      screens: [{ id: 1, x: 0, y: 0, width: 1920, height: 1080, flags: 0x8000_0000 }],
    });
    expect(wire(ok)).toBe(expected('0001 0000 0780 0438 fffffecc  01 000000  00000001 0000 0000 0780 0438 80000000'));
    const refused = extendedDesktopSizeRect({
      reason: DesktopSizeReason.THIS_CLIENT,
      status: DesktopSizeStatus.INVALID_LAYOUT,
      width: 800,
      height: 600,
      screens: [],
    });
    expect(wire(refused)).toBe(expected('0001 0003 0320 0258 fffffecc  00 000000'));
    const server = extendedDesktopSizeRect({
      reason: DesktopSizeReason.SERVER,
      status: DesktopSizeStatus.OK,
      width: 4,
      height: 2,
      screens: [...singleScreen(2, 2, 7), { id: 8, x: 2, y: 0, width: 2, height: 2, flags: 0 }],
    });
    expect(wire(server)).toBe(
      expected('0000 0000 0004 0002 fffffecc  02 000000  00000007 0000 0000 0002 0002 00000000  00000008 0002 0000 0002 0002 00000000'),
    );
  });

  it('ExtendedDesktopSize refuses screens that do not fit the wire', () => {
    const base = { reason: DesktopSizeReason.SERVER, status: DesktopSizeStatus.OK, width: 1, height: 1 } as const;
    expect(() => extendedDesktopSizeRect({ ...base, screens: [{ id: -1, x: 0, y: 0, width: 1, height: 1, flags: 0 }] })).toThrow(
      'screen id -1 is not an integer between 0 and 4294967295',
    );
    expect(() => extendedDesktopSizeRect({ ...base, screens: [{ id: 0, x: 0, y: 0, width: 65536, height: 1, flags: 0 }] })).toThrow(
      'screen width 65536 is not an integer between 0 and 65535',
    );
  });

  it('QEMU LED state (-261): 1x1 rect, one byte', () => {
    expect(wire(ledStateRect(LedBit.CAPS_LOCK | LedBit.NUM_LOCK))).toBe(expected('0000 0000 0001 0001 fffffefb 06'));
    expect(wire(ledStateRect(LedBit.SCROLL_LOCK))).toBe(expected('0000 0000 0001 0001 fffffefb 01'));
    expect(() => ledStateRect(256)).toThrow('LED state 256 is not a byte');
  });

  it('QEMU pointer motion change (-257): x 1 absolute, 0 relative, no body', () => {
    expect(wire(pointerMotionChangeRect(true))).toBe(expected('0001 0000 0000 0000 fffffeff'));
    expect(wire(pointerMotionChangeRect(false, 640, 480))).toBe(expected('0000 0000 0280 01e0 fffffeff'));
  });

  it('QEMU extended key event (-258): empty', () => {
    expect(wire(qemuExtendedKeyEventRect())).toBe(expected('0000 0000 0000 0000 fffffefe'));
  });
});

// A 10x2 cursor (width not a multiple of 8). Row 0: alphas 255,0,128,127,255,255,255,255,255,0;
// row 1: all 0 but the last pixel (200). Mask rows are 2 bytes, MSB leftmost, set where alpha >= 128:
// row 0 = 1010 1111  1000 0000 = af 80, row 1 = 0000 0000  0100 0000 = 00 40.
const ALPHAS = [255, 0, 128, 127, 255, 255, 255, 255, 255, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 200];
const COLOURS: [number, number, number][] = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255]];
const TEN_BY_TWO: CursorImage = {
  width: 10,
  height: 2,
  hotspotX: 9,
  hotspotY: 1,
  rgba: Uint8Array.from(ALPHAS.flatMap((a, i) => [...(COLOURS[i % 4] ?? [0, 0, 0]), a])),
};

describe('Cursor (-239)', () => {
  it('writes pixels in the client format then the mask, for a width that is not a multiple of 8', () => {
    const pixels = ALPHAS.map((_, i) => ['ff000000', '00ff0000', '0000ff00', 'ffffff00'][i % 4]).join('');
    expect(wire(cursorRect(TEN_BY_TWO, NOVNC))).toBe(expected(`0009 0001 000a 0002 ffffff11 ${pixels} af80 0040`));
  });

  it('translates to other formats: canvas BGRX, RGB565, a colour map', () => {
    const bgrx = ALPHAS.map((_, i) => ['0000ff00', '00ff0000', 'ff000000', 'ffffff00'][i % 4]).join('');
    expect(wire(cursorRect(TEN_BY_TWO, BGRX32))).toBe(expected(`0009 0001 000a 0002 ffffff11 ${bgrx} af80 0040`));
    // RGB565 little-endian: red f800, green 07e0, blue 001f, white ffff.
    const rgb565 = ALPHAS.map((_, i) => ['00f8', 'e007', '1f00', 'ffff'][i % 4]).join('');
    expect(wire(cursorRect(TEN_BY_TWO, RGB565))).toBe(expected(`0009 0001 000a 0002 ffffff11 ${rgb565} af80 0040`));
    // BGR233 indices: red 07, green 38, blue c0, white ff.
    const bgr233 = ALPHAS.map((_, i) => ['07', '38', 'c0', 'ff'][i % 4]).join('');
    expect(wire(cursorRect(TEN_BY_TWO, BGR233_MAP))).toBe(expected(`0009 0001 000a 0002 ffffff11 ${bgr233} af80 0040`));
  });

  it('gives the mask alone on request', () => {
    expect(toHex(cursorMask(TEN_BY_TWO))).toBe('af800040');
  });

  it('encodes a 0x0 (hidden) cursor as a bare header', () => {
    expect(wire(cursorRect(HIDDEN_CURSOR, NOVNC))).toBe(expected('0000 0000 0000 0000 ffffff11'));
  });

  it('refuses images that do not match their size or hotspot', () => {
    const base = { width: 2, height: 1, hotspotX: 0, hotspotY: 0, rgba: new Uint8Array(8) };
    expect(() => cursorRect({ ...base, rgba: new Uint8Array(7) }, NOVNC)).toThrow('cursor of 2x1 needs 8 RGBA bytes, 7 given');
    expect(() => cursorRect({ ...base, hotspotX: 2 }, NOVNC)).toThrow('cursor hotspot 2,0 is outside the 2x1 image');
    expect(() => cursorWithAlphaRect({ ...base, width: 1.5 })).toThrow('cursor size 1.5x1 is not two integers between 0 and 1024');
  });
});

describe('CursorWithAlpha (-314)', () => {
  it('writes s32 encoding Raw then R, G, B, A premultiplied (floor(c * a / 255))', () => {
    const image: CursorImage = { width: 2, height: 1, hotspotX: 1, hotspotY: 0, rgba: hex('ff 80 00 80  0a 14 1e ff') };
    // 255*128/255 = 128 (80); 128*128/255 = 64.25 -> 64 (40); alpha 255 leaves colours alone.
    expect(wire(cursorWithAlphaRect(image))).toBe(expected('0001 0000 0002 0001 fffffec6 00000000 80 40 00 80  0a 14 1e ff'));
  });

  it('encodes a 0x0 cursor with the encoding word and no pixels', () => {
    expect(wire(cursorWithAlphaRect(HIDDEN_CURSOR))).toBe(expected('0000 0000 0000 0000 fffffec6 00000000'));
  });
});

describe('checkScreenLayout', () => {
  it('accepts a single full screen and overlapping screens', () => {
    expect(checkScreenLayout(1920, 1080, singleScreen(1920, 1080))).toBeUndefined();
    const overlap = [...singleScreen(100, 100, 1), { id: 2, x: 50, y: 50, width: 50, height: 50, flags: 0 }];
    expect(checkScreenLayout(100, 100, overlap)).toBeUndefined();
  });

  it('answers each problem with its status and reason', () => {
    expect(checkScreenLayout(0, 10, singleScreen(0, 10))).toEqual({ status: DesktopSizeStatus.INVALID_LAYOUT, reason: 'framebuffer 0x10 is empty' });
    expect(checkScreenLayout(20000, 10, singleScreen(20000, 10))).toEqual({
      status: DesktopSizeStatus.OUT_OF_RESOURCES,
      reason: 'framebuffer 20000x10 is larger than 16384 per side',
    });
    expect(checkScreenLayout(10, 10, [])).toEqual({ status: DesktopSizeStatus.INVALID_LAYOUT, reason: 'no screens' });
    expect(checkScreenLayout(10, 10, [...singleScreen(5, 5, 3), ...singleScreen(5, 5, 3)])).toEqual({
      status: DesktopSizeStatus.INVALID_LAYOUT,
      reason: 'screen id 3 appears twice',
    });
    expect(checkScreenLayout(10, 10, singleScreen(0, 5))).toEqual({ status: DesktopSizeStatus.INVALID_LAYOUT, reason: 'screen 0 is empty (0x5)' });
    expect(checkScreenLayout(10, 10, [{ id: 4, x: 5, y: 0, width: 6, height: 10, flags: 0 }])).toEqual({
      status: DesktopSizeStatus.INVALID_LAYOUT,
      reason: 'screen 4 (6x10+5+0) reaches outside the 10x10 framebuffer',
    });
  });
});
