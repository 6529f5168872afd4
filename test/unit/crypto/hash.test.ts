import { CryptoError } from '../../../src/crypto/errors';
import {
  HASH_ALGORITHMS,
  type HashAlgorithm,
  hashDigest,
  hashDigestLength,
  hashSupports,
  hmacDigest,
} from '../../../src/crypto/hash';
import { hex } from '../../helpers/hex';

// RFC 1321 (md5), FIPS 180-4 examples (sha*), FIPS 202 examples (sha3-*).
const KNOWN: Record<HashAlgorithm, { readonly empty: string; readonly abc: string }> = {
  md5: { empty: 'd41d8cd98f00b204e9800998ecf8427e', abc: '900150983cd24fb0d6963f7d28e17f72' },
  sha1: {
    empty: 'da39a3ee5e6b4b0d3255bfef95601890afd80709',
    abc: 'a9993e364706816aba3e25717850c26c9cd0d89d',
  },
  sha224: {
    empty: 'd14a028c2a3a2bc9476102bb288234c415a2b01f828ea62ac5b3e42f',
    abc: '23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7',
  },
  sha256: {
    empty: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    abc: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
  },
  sha384: {
    empty:
      '38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b',
    abc: 'cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7',
  },
  sha512: {
    empty:
      'cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce' +
      '47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e',
    abc:
      'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a' +
      '2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
  },
  'sha3-256': {
    empty: 'a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a',
    abc: '3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532',
  },
  'sha3-512': {
    empty:
      'a69f73cca23a9ac5c8b567dc185a756e97c982164fe25859e0d1dcc1475c80a6' +
      '15b2123af1f5f94c11e3e9402c3ac558f500199d95b6d3e301758586281dcd26',
    abc:
      'b751850b1a57168a5693cd924b6b096e08f621827444f70d884f5d0240d2712e' +
      '10e116e9192af3c91a7ec57647e3934057340b4cf408d5a56592f8274eec53f0',
  },
};

const ALGORITHMS = Object.keys(HASH_ALGORITHMS) as HashAlgorithm[];
const ABC = Buffer.from('abc');

test('the table and the known answers cover the same algorithms', () => {
  expect(ALGORITHMS.sort()).toEqual(Object.keys(KNOWN).sort());
});

describe.each(ALGORITHMS)('%s', (algorithm) => {
  const known = KNOWN[algorithm];

  test('"abc" and "" give the known digests', () => {
    expect(hashDigest(algorithm, ABC).toString('hex')).toBe(known.abc);
    expect(hashDigest(algorithm, new Uint8Array(0)).toString('hex')).toBe(known.empty);
  });

  test('hex and base64 output', () => {
    expect(hashDigest(algorithm, ABC, 'hex')).toBe(known.abc);
    expect(hashDigest(algorithm, ABC, 'base64')).toBe(hex(known.abc).toString('base64'));
    expect(hashDigest(algorithm, ABC, 'bytes').equals(hex(known.abc))).toBe(true);
  });

  test('a list of buffers hashes their concatenation', () => {
    const parts = [Buffer.from('a'), new Uint8Array(0), Uint8Array.of(0x62, 0x63)];
    expect(hashDigest(algorithm, parts, 'hex')).toBe(known.abc);
    expect(hashDigest(algorithm, [], 'hex')).toBe(known.empty);
  });

  test('digest length matches the digest', () => {
    expect(hashDigestLength(algorithm)).toBe(known.abc.length / 2);
  });
});

test('hashSupports takes user input', () => {
  expect(hashSupports('sha256')).toBe(true);
  expect(hashSupports('SHA256')).toBe(false);
  expect(hashSupports('whirlpool')).toBe(false);
  expect(hashSupports('constructor')).toBe(false);
});

test('an unsupported algorithm is a CRYPTO_UNSUPPORTED error naming it', () => {
  for (const call of [
    () => hashDigest('md4' as HashAlgorithm, ABC),
    () => hmacDigest('md4' as HashAlgorithm, ABC, ABC),
    () => hashDigestLength('md4' as HashAlgorithm),
  ]) {
    let error: unknown;
    try {
      call();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CryptoError);
    expect((error as CryptoError).code).toBe('CRYPTO_UNSUPPORTED');
    expect((error as CryptoError).message).toMatch(/^hash algorithm "md4" is not supported \(supported: md5, sha1,/);
  }
});

// RFC 2202 (md5, sha1) and RFC 4231 (sha224..sha512), test cases 1 and 2.
const HI_THERE = Buffer.from('Hi There');
const JEFE = Buffer.from('Jefe');
const WANT = Buffer.from('what do ya want for nothing?');

const HMAC_CASES: readonly [HashAlgorithm, Buffer, Buffer, string][] = [
  ['md5', Buffer.alloc(16, 0x0b), HI_THERE, '9294727a3638bb1c13f48ef8158bfc9d'],
  ['md5', JEFE, WANT, '750c783e6ab0b503eaa86e310a5db738'],
  ['sha1', Buffer.alloc(20, 0x0b), HI_THERE, 'b617318655057264e28bc0b6fb378c8ef146be00'],
  ['sha1', JEFE, WANT, 'effcdf6ae5eb2fa2d27416d5f184df9c259a7c79'],
  ['sha224', Buffer.alloc(20, 0x0b), HI_THERE, '896fb1128abbdf196832107cd49df33f47b4b1169912ba4f53684b22'],
  ['sha224', JEFE, WANT, 'a30e01098bc6dbbf45690f3a7e9e6d0f8bbea2a39e6148008fd05e44'],
  [
    'sha256',
    Buffer.alloc(20, 0x0b),
    HI_THERE,
    'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
  ],
  ['sha256', JEFE, WANT, '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843'],
  [
    'sha384',
    Buffer.alloc(20, 0x0b),
    HI_THERE,
    'afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6',
  ],
  [
    'sha384',
    JEFE,
    WANT,
    'af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649',
  ],
  [
    'sha512',
    Buffer.alloc(20, 0x0b),
    HI_THERE,
    '87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde' +
      'daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854',
  ],
  [
    'sha512',
    JEFE,
    WANT,
    '164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554' +
      '9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737',
  ],
];

describe('hmacDigest', () => {
  test.each(HMAC_CASES.map((c, i) => [`${c[0]} case ${1 + (i % 2)}`, ...c] as const))(
    '%s',
    (_label, algorithm, key, data, expected) => {
      expect(hmacDigest(algorithm, key, data).toString('hex')).toBe(expected);
      expect(hmacDigest(algorithm, key, data, 'hex')).toBe(expected);
      expect(hmacDigest(algorithm, key, data, 'base64')).toBe(hex(expected).toString('base64'));
      // Split input hashes as its concatenation.
      const parts = [data.subarray(0, 3), data.subarray(3)];
      expect(hmacDigest(algorithm, key, parts, 'hex')).toBe(expected);
    },
  );
});
