import { CipherRegistry, createCipher, defaultCipherRegistry } from '../../../src/crypto/cipher';
import { CryptoError } from '../../../src/crypto/errors';
import { vncAuthKey, vncAuthResponse } from '../../../src/crypto/vnc-des';
import { hex, toHex } from '../../helpers/hex';

const BACKENDS = defaultCipherRegistry().backends();
const CHALLENGE = hex('00112233445566778899aabbccddeeff');

describe('vncAuthKey', () => {
  test('mirrors the bits of each byte (bit 0 <-> bit 7)', () => {
    expect(toHex(vncAuthKey(hex('0123456789abcdef')))).toBe('80c4a2e691d5b3f7');
    expect(toHex(vncAuthKey(hex('01020408102040ff')))).toBe('80402010080402ff');
  });

  test('zero-pads short passwords and truncates long ones to 8 bytes', () => {
    // 's'=0x73 -> 0xce, 'e'=0x65 -> 0xa6, 'c'=0x63 -> 0xc6, 'r'=0x72 -> 0x4e, 't'=0x74 -> 0x2e
    expect(toHex(vncAuthKey('secret'))).toBe('cea6c64ea62e0000');
    expect(toHex(vncAuthKey(''))).toBe('0000000000000000');
    expect(vncAuthKey('12345678-ignored').equals(vncAuthKey('12345678'))).toBe(true);
  });

  test('encodes strings as UTF-8, so a non-ASCII character takes two bytes', () => {
    // 'é' is c3 a9 in UTF-8; mirrored: c3 -> c3, a9 -> 95
    expect(toHex(vncAuthKey('é'))).toBe('c395000000000000');
    expect(vncAuthKey('é').equals(vncAuthKey(Buffer.from('é', 'utf8')))).toBe(true);
  });
});

describe.each(BACKENDS)('VNC auth on backend %s', (backend) => {
  test('bit-mirrored key 0123456789abcdef encrypts "password" to the known answer', () => {
    const cipher = createCipher('des', 'ecb', vncAuthKey(hex('0123456789abcdef')), { backend });
    expect(toHex(cipher.encrypt(Buffer.from('password', 'latin1')))).toBe('73fa80b66134e403');
    // The same through the helper, with the 8-byte block sent twice.
    const response = vncAuthResponse(hex('0123456789abcdef'), Buffer.from('passwordpassword'), { backend });
    expect(toHex(response)).toBe('73fa80b66134e403'.repeat(2));
  });

  test('"secret" answers the challenge 00112233…eeff', () => {
    expect(toHex(vncAuthResponse('secret', CHALLENGE, { backend }))).toBe(
      'f19b50471f60f42298e5c0147db50e1e',
    );
  });
});

describe('vncAuthResponse', () => {
  test('uses the default registry unless given one', () => {
    const registry = new CipherRegistry(); // no backends at all
    expect(() => vncAuthResponse('secret', CHALLENGE, { registry })).toThrow(
      'des-ecb is not supported by any cipher backend (tried: none registered)',
    );
    expect(toHex(vncAuthResponse('secret', CHALLENGE))).toBe('f19b50471f60f42298e5c0147db50e1e');
  });

  test('a wrong password gives a different response', () => {
    expect(toHex(vncAuthResponse('secreT', CHALLENGE))).not.toBe('f19b50471f60f42298e5c0147db50e1e');
  });

  test.each([0, 8, 15, 17, 32])('rejects a %d-byte challenge', (length) => {
    let error: unknown;
    try {
      vncAuthResponse('secret', Buffer.alloc(length));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CryptoError);
    expect((error as CryptoError).code).toBe('CRYPTO_INVALID_LENGTH');
    expect((error as CryptoError).message).toBe(`VNC auth challenge must be 16 bytes, got ${length}`);
  });
});
