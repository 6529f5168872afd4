import { XvpCode } from '../../../src/vnc/protocol/constants';
import { endOfContinuousUpdates, fenceAnswer, serverFence, serverXvp } from '../../../src/vnc/protocol/server-messages';
import { hex, toHex } from '../../helpers/hex';

// Expected bytes are laid out by hand from rfbproto "EndOfContinuousUpdates", "ServerFence" and "xvp Server Message".
describe('EndOfContinuousUpdates (150)', () => {
  it('is the type byte alone', () => {
    expect(toHex(endOfContinuousUpdates())).toBe('96');
  });
});

describe('ServerFence (248)', () => {
  it('writes type, 3 zero bytes, u32 flags, u8 length, payload', () => {
    expect(toHex(serverFence(0x8000_0003, hex('deadbeef')))).toBe(toHex(hex('f8 000000 80000003 04 deadbeef')));
    expect(toHex(serverFence(0x8000_0000))).toBe(toHex(hex('f8 000000 80000000 00')));
    const payload = hex('11'.repeat(64));
    expect(toHex(serverFence(1, payload))).toBe(toHex(hex(`f8 000000 00000001 40 ${'11'.repeat(64)}`)));
  });

  it('refuses a payload over 64 bytes and flags that are not a u32', () => {
    expect(() => serverFence(0, new Uint8Array(65))).toThrow('fence payload of 65 bytes (at most 64)');
    expect(() => serverFence(-1)).toThrow('fence flags -1 are not a u32');
    expect(() => serverFence(2 ** 32)).toThrow('fence flags 4294967296 are not a u32');
  });
});

describe('fenceAnswer', () => {
  it('clears Request and every bit the server does not know, keeps the others and the payload', () => {
    expect(toHex(fenceAnswer(0xc000_0007, hex('6162')))).toBe(toHex(hex('f8 000000 00000007 02 6162')));
    expect(toHex(fenceAnswer(0x8000_0001, new Uint8Array(0)))).toBe(toHex(hex('f8 000000 00000001 00')));
    expect(toHex(fenceAnswer(0x8000_0ff8, hex('00')))).toBe(toHex(hex('f8 000000 00000000 01 00')));
  });
});

describe('xvp Server Message (250)', () => {
  it('writes type, one zero byte, version, code: XVP_INIT announces version 1', () => {
    expect(toHex(serverXvp(XvpCode.INIT))).toBe(toHex(hex('fa 00 01 01')));
  });

  it('writes XVP_FAIL (0) with the version the client used', () => {
    expect(toHex(serverXvp(XvpCode.FAIL))).toBe(toHex(hex('fa 00 01 00')));
    expect(toHex(serverXvp(XvpCode.FAIL, 7))).toBe(toHex(hex('fa 00 07 00')));
  });
});
