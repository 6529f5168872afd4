import type { ClientMessage, ClientMessageContext, ClientMessageLimits } from '../../../src/vnc/protocol/client-messages';
import { everySplit } from '../../helpers/byte-splits';
import { feedClientMessage, readExactly, SENTINEL, violationIn, type Outcome } from '../../helpers/client-messages';
import { hex } from '../../helpers/hex';

// Every message below is written out by hand from rfbproto.rst; the readers never build them.
const LIMITS: ClientMessageLimits = { maxEncodings: 64, maxCutText: 1024 };

const feed = (pieces: readonly Buffer[], limits = LIMITS, context?: ClientMessageContext): Promise<Outcome> => feedClientMessage(pieces, limits, context);
const read = (bytes: string, limits = LIMITS, context?: ClientMessageContext): Promise<ClientMessage> => readExactly(hex(bytes), limits, context);
const violation = (bytes: string, limits = LIMITS, context?: ClientMessageContext): Promise<Error> => violationIn(hex(bytes), limits, context);

describe('EnableContinuousUpdates (150)', () => {
  it('reads the flag and the area', async () => {
    expect(await read('96 01 0000 0000 0400 0300')).toEqual({
      type: 'continuous-updates', enable: true, x: 0, y: 0, width: 1024, height: 768,
    });
    expect(await read('96 00 0010 0020 0030 0040')).toEqual({
      type: 'continuous-updates', enable: false, x: 16, y: 32, width: 48, height: 64,
    });
  });

  it('takes any non-zero flag as enable', async () => {
    expect(await read('96 02 0000 0000 0001 0001')).toMatchObject({ enable: true });
  });
});

describe('ClientFence (248)', () => {
  const request = 'f8 000000 80000003 04 deadbeef';

  it.each(everySplit(hex(request)))('reads a request with its payload ($name)', async ({ pieces }) => {
    const outcome = await feed(pieces);
    expect(outcome).toEqual({
      ok: true,
      message: { type: 'fence', flags: 0x8000_0003, payload: hex('deadbeef') },
      next: SENTINEL,
    });
  });

  it('keeps unknown flag bits, so the answer can clear them', async () => {
    expect(await read('f8 000000 c0000009 00')).toEqual({ type: 'fence', flags: 0xc000_0009, payload: Buffer.alloc(0) });
  });

  it('reads an answer (no Request bit), as noVNC sends one', async () => {
    expect(await read('f8 000000 00000003 02 6162')).toEqual({ type: 'fence', flags: 3, payload: hex('6162') });
  });

  it('accepts a 64-byte payload', async () => {
    const payload = '07'.repeat(64);
    expect(await read(`f8 000000 80000000 40 ${payload}`)).toEqual({ type: 'fence', flags: 0x8000_0000, payload: hex(payload) });
  });

  it('refuses a payload over 64 bytes', async () => {
    const error = await violation(`f8 000000 80000000 41 ${'07'.repeat(65)}`);
    expect(error.message).toBe('ClientFence with a 65-byte payload (at most 64)');
  });
});

describe('xvp Client Message (250)', () => {
  it.each(everySplit(hex('fa 00 01 02')))('reads what noVNC sends for Shutdown ($name)', async ({ pieces }) => {
    expect(await feed(pieces)).toEqual({ ok: true, message: { type: 'xvp', version: 1, code: 2, action: 'shutdown' }, next: SENTINEL });
  });

  it('reads Reboot (3) and Reset (4) in version 1', async () => {
    expect(await read('fa 00 01 03')).toEqual({ type: 'xvp', version: 1, code: 3, action: 'reboot' });
    expect(await read('fa 00 01 04')).toEqual({ type: 'xvp', version: 1, code: 4, action: 'reset' });
  });

  it('reads an unknown code or version without an action (the session answers XVP_FAIL) and ignores the padding', async () => {
    expect(await read('fa 00 01 00')).toEqual({ type: 'xvp', version: 1, code: 0 });
    expect(await read('fa 00 01 05')).toEqual({ type: 'xvp', version: 1, code: 5 });
    expect(await read('fa 00 02 02')).toEqual({ type: 'xvp', version: 2, code: 2 });
    expect(await read('fa 00 00 03')).toEqual({ type: 'xvp', version: 0, code: 3 });
    expect(await read('fa ff 01 04')).toEqual({ type: 'xvp', version: 1, code: 4, action: 'reset' });
  });
});

describe('SetDesktopSize (251)', () => {
  const screen = (id: string, x: string, y: string, w: string, h: string, flags: string): string => `${id} ${x} ${y} ${w} ${h} ${flags}`;

  it('reads what noVNC sends: one screen with the id and flags it was given', async () => {
    const bytes = `fb 00 0780 0438 01 00 ${screen('00000001', '0000', '0000', '0780', '0438', '00000000')}`;
    expect(await read(bytes)).toEqual({
      type: 'set-desktop-size',
      width: 1920,
      height: 1080,
      screens: [{ id: 1, x: 0, y: 0, width: 1920, height: 1080, flags: 0 }],
    });
  });

  it('reads several screens, unknown flags kept', async () => {
    const bytes =
      'fb 00 0a00 0400 02 00' +
      screen('00000007', '0000', '0000', '0500', '0400', '80000001') +
      screen('fffffffe', '0500', '0000', '0500', '0400', '00000000');
    expect(await read(bytes)).toEqual({
      type: 'set-desktop-size',
      width: 2560,
      height: 1024,
      screens: [
        { id: 7, x: 0, y: 0, width: 1280, height: 1024, flags: 0x8000_0001 },
        { id: 0xffff_fffe, x: 1280, y: 0, width: 1280, height: 1024, flags: 0 },
      ],
    });
  });

  it('reads zero screens as such (the layout check answers it, not the reader)', async () => {
    expect(await read('fb 00 0010 0010 00 00')).toEqual({ type: 'set-desktop-size', width: 16, height: 16, screens: [] });
  });

  it('refuses more screens than the limit, 16 by default', async () => {
    expect((await violation(`fb 00 0010 0010 11 00 ${'00'.repeat(17 * 16)}`)).message).toBe(
      'SetDesktopSize with 17 screens (at most 16 accepted)',
    );
    expect((await violation(`fb 00 0010 0010 03 00 ${'00'.repeat(3 * 16)}`, { ...LIMITS, maxScreens: 2 })).message).toBe(
      'SetDesktopSize with 3 screens (at most 2 accepted)',
    );
  });
});

describe('QEMU client message (255)', () => {
  it('reads an extended key event: u16 down, keysym, XT keycode (e0 4d folded to 0xcd)', async () => {
    expect(await read('ff 00 0001 0000ff53 000000cd')).toEqual({ type: 'qemu-key', down: true, keysym: 0xff53, keycode: 0xcd });
    expect(await read('ff 00 0000 00000041 0000001e')).toEqual({ type: 'qemu-key', down: false, keysym: 0x41, keycode: 0x1e });
  });

  it('refuses audio (never offered) and unknown subtypes', async () => {
    expect((await violation('ff 01 0000')).message).toBe('QEMU audio message (255/1), but the server never offered audio');
    expect((await violation('ff 07')).message).toBe('unknown QEMU message subtype 7');
  });
});

describe('ClientCutText (6) lengths', () => {
  const EXTENDED: ClientMessageContext = { extendedClipboard: true };

  it('refuses a negative length unless the extended clipboard was negotiated', async () => {
    const bytes = '06 000000 fffffff8 1f000001 00000000';
    expect((await violation(bytes)).message).toBe(
      'ClientCutText with negative length -8, but the extended clipboard was not negotiated',
    );
    expect((await violation(bytes, LIMITS, { extendedClipboard: false })).message).toBe(
      'ClientCutText with negative length -8, but the extended clipboard was not negotiated',
    );
    expect((await violation('06 000000 ffffffff')).message).toBe(
      'ClientCutText with negative length -1, but the extended clipboard was not negotiated',
    );
  });

  it('refuses an extended message shorter than its flags', async () => {
    expect((await violation('06 000000 fffffffe 0000', LIMITS, EXTENDED)).message).toBe(
      'extended ClientCutText of 2 bytes (the flags alone need 4)',
    );
  });

  it('still reads Latin-1 text with a positive length when negotiated, and empty text', async () => {
    expect(await read('06 000000 00000003 e9 00 0a', LIMITS, EXTENDED)).toEqual({ type: 'cut-text', text: '\u00e9\u0000\n' });
    expect(await read('06 000000 00000000', LIMITS, EXTENDED)).toEqual({ type: 'cut-text', text: '' });
  });

  it('skips an extended message longer than maxCutText, consuming exactly its bytes', async () => {
    const limits = { ...LIMITS, maxCutText: 16 };
    expect(await read(`06 000000 ffffffec 10000001 ${'00'.repeat(16)}`, limits, EXTENDED)).toEqual({
      type: 'cut-text-dropped', length: 20, reason: 'too-long',
    });
    expect(await read(`06 000000 00000011 ${'41'.repeat(17)}`, limits)).toEqual({
      type: 'cut-text-dropped', length: 17, reason: 'too-long',
    });
  });
});
