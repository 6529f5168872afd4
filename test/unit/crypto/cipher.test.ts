/**
 * Known answers, chaining and the CTR counter on every backend of the default
 * registry (a backend registered there later is covered without edits).
 */
import forge from 'node-forge';

import {
  type CipherAlgorithm,
  type CipherMode,
  createCipher,
  defaultCipherRegistry,
} from '../../../src/crypto/cipher';
import { addToCounter } from '../../../src/crypto/cipher-block';
import { hex, toHex } from '../../helpers/hex';

const BACKENDS = defaultCipherRegistry().backends();

const savedEnv = process.env.VNCD_CIPHER_BACKEND;
beforeEach(() => {
  delete process.env.VNCD_CIPHER_BACKEND;
});
afterAll(() => {
  if (savedEnv !== undefined) process.env.VNCD_CIPHER_BACKEND = savedEnv;
});

// NIST SP 800-38A, appendix F: the same four plaintext blocks for every case.
const NIST_PLAIN = hex(`
  6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51
  30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710`);
const NIST_CBC_IV = hex('000102030405060708090a0b0c0d0e0f');
const NIST_CTR_IV = hex('f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff');

interface Vector {
  readonly name: string;
  readonly algorithm: CipherAlgorithm;
  readonly mode: CipherMode;
  readonly key: Buffer;
  readonly iv?: Buffer;
  readonly plain: Buffer;
  readonly cipher: Buffer;
}

const AES_KEYS = {
  'aes-128': hex('2b7e151628aed2a6abf7158809cf4f3c'),
  'aes-192': hex('8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b'),
  'aes-256': hex('603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4'),
} as const;

const AES_EXPECTED: Record<keyof typeof AES_KEYS, Record<CipherMode, string>> = {
  'aes-128': {
    ecb: `3ad77bb40d7a3660a89ecaf32466ef97 f5d3d58503b9699de785895a96fdbaaf
          43b1cd7f598ece23881b00e3ed030688 7b0c785e27e8ad3f8223207104725dd4`,
    cbc: `7649abac8119b246cee98e9b12e9197d 5086cb9b507219ee95db113a917678b2
          73bed6b8e3c1743b7116e69e22229516 3ff1caa1681fac09120eca307586e1a7`,
    ctr: `874d6191b620e3261bef6864990db6ce 9806f66b7970fdff8617187bb9fffdff
          5ae4df3edbd5d35e5b4f09020db03eab 1e031dda2fbe03d1792170a0f3009cee`,
  },
  'aes-192': {
    ecb: `bd334f1d6e45f25ff712a214571fa5cc 974104846d0ad3ad7734ecb3ecee4eef
          ef7afd2270e2e60adce0ba2face6444e 9a4b41ba738d6c72fb16691603c18e0e`,
    cbc: `4f021db243bc633d7178183a9fa071e8 b4d9ada9ad7dedf4e5e738763f69145a
          571b242012fb7ae07fa9baac3df102e0 08b0e27988598881d920a9e64f5615cd`,
    ctr: `1abc932417521ca24f2b0459fe7e6e0b 090339ec0aa6faefd5ccc2c6f4ce8e94
          1e36b26bd1ebc670d1bd1d665620abf7 4f78a7f6d29809585a97daec58c6b050`,
  },
  'aes-256': {
    ecb: `f3eed1bdb5d2a03c064b5a7e3db181f8 591ccb10d410ed26dc5ba74a31362870
          b6ed21b99ca6f4f9f153e7b1beafed1d 23304b7a39f9f3ff067d8d8f9e24ecc7`,
    cbc: `f58c4c04d6e5f1ba779eabfb5f7bfbd6 9cfc4e967edb808d679f777bc6702c7d
          39f23369a9d9bacfa530e26304231461 b2eb05e2c39be9fcda6c19078c6a9d1b`,
    ctr: `601ec313775789a5b7a7f504bbf3d228 f443e3ca4d62b59aca84e990cacaf5c5
          2b0930daa23de94ce87017ba2d84988d dfc9c58db67aada613c2dd08457941a6`,
  },
};

const FIPS81_PLAIN = Buffer.from('Now is the time for all ', 'latin1');

const VECTORS: readonly Vector[] = [
  ...(Object.keys(AES_KEYS) as (keyof typeof AES_KEYS)[]).flatMap((algorithm) =>
    (['ecb', 'cbc', 'ctr'] as const).map((mode): Vector => {
      const iv = mode === 'cbc' ? NIST_CBC_IV : mode === 'ctr' ? NIST_CTR_IV : undefined;
      return {
        name: `SP 800-38A ${algorithm}-${mode}`,
        algorithm,
        mode,
        key: AES_KEYS[algorithm],
        ...(iv === undefined ? {} : { iv }),
        plain: NIST_PLAIN,
        cipher: hex(AES_EXPECTED[algorithm][mode]),
      };
    }),
  ),
  {
    name: 'DES textbook (Grabbe)',
    algorithm: 'des',
    mode: 'ecb',
    key: hex('133457799BBCDFF1'),
    plain: hex('0123456789ABCDEF'),
    cipher: hex('85E813540F0AB405'),
  },
  {
    name: 'FIPS 81 DES-ECB',
    algorithm: 'des',
    mode: 'ecb',
    key: hex('0123456789abcdef'),
    plain: FIPS81_PLAIN,
    cipher: hex('3fa40e8a984d4815 6a271787ab8883f9 893d51ec4b563b53'),
  },
  {
    name: 'FIPS 81 DES-CBC',
    algorithm: 'des',
    mode: 'cbc',
    key: hex('0123456789abcdef'),
    iv: hex('1234567890abcdef'),
    plain: FIPS81_PLAIN,
    cipher: hex('e5c7cdde872bf27c 43e934008c389c0f 683788499a7c05f6'),
  },
];

function make(v: Vector, backend: string) {
  const cipher = createCipher(v.algorithm, v.mode, v.key, { backend });
  if (v.iv !== undefined) cipher.setIv(v.iv);
  return cipher;
}

test('the default registry has node first, then forge', () => {
  expect(BACKENDS).toEqual(['node', 'forge']);
});

describe.each(BACKENDS)('backend %s', (backend) => {
  describe.each(VECTORS.map((v) => [v.name, v] as const))('%s', (_name, v) => {
    test('encrypts to the known answer', () => {
      const cipher = make(v, backend);
      expect(cipher.backend).toBe(backend);
      expect(toHex(cipher.encrypt(v.plain))).toBe(toHex(v.cipher));
    });

    test('decrypts the known answer', () => {
      expect(toHex(make(v, backend).decrypt(v.cipher))).toBe(toHex(v.plain));
    });

    test('one block per call gives the same bytes (chain continues)', () => {
      const enc = make(v, backend);
      const dec = make(v, backend);
      const size = enc.blockSize;
      const encParts: Buffer[] = [];
      const decParts: Buffer[] = [];
      for (let at = 0; at < v.plain.length; at += size) {
        encParts.push(enc.encrypt(v.plain.subarray(at, at + size)));
        decParts.push(dec.decrypt(v.cipher.subarray(at, at + size)));
      }
      expect(toHex(Buffer.concat(encParts))).toBe(toHex(v.cipher));
      expect(toHex(Buffer.concat(decParts))).toBe(toHex(v.plain));
    });

    if (v.iv !== undefined) {
      const iv = v.iv;
      test('setIv resets the chain', () => {
        const cipher = make(v, backend);
        const first = cipher.encrypt(v.plain);
        // Without a reset the chain has moved on, so the bytes differ.
        expect(toHex(cipher.encrypt(v.plain))).not.toBe(toHex(first));
        cipher.setIv(iv);
        expect(toHex(cipher.encrypt(v.plain))).toBe(toHex(v.cipher));
      });
    }
  });

  test('reports block size and key length', () => {
    const aes = createCipher('aes-192', 'cbc', AES_KEYS['aes-192'], { backend });
    expect([aes.algorithm, aes.mode, aes.blockSize, aes.keyLength]).toEqual(['aes-192', 'cbc', 16, 24]);
    const des = createCipher('des', 'ecb', hex('133457799BBCDFF1'), { backend });
    expect([des.blockSize, des.keyLength]).toEqual([8, 8]);
  });

  test('DES ignores parity bits (the low bit of each key byte)', () => {
    const key = hex('133457799BBCDFF1');
    const flipped = Buffer.from(key.map((b) => b ^ 0x01));
    const plain = hex('0123456789ABCDEF');
    expect(toHex(createCipher('des', 'ecb', flipped, { backend }).encrypt(plain))).toBe(
      '85e813540f0ab405',
    );
  });

  test('empty input gives empty output and leaves the chain alone', () => {
    const v = VECTORS.find((x) => x.name === 'SP 800-38A aes-128-cbc');
    if (v === undefined) throw new Error('vector missing');
    const cipher = make(v, backend);
    expect(cipher.encrypt(new Uint8Array(0)).length).toBe(0);
    expect(toHex(cipher.encrypt(v.plain))).toBe(toHex(v.cipher));
  });

  test('accepts a Uint8Array view into a larger buffer', () => {
    const backing = Buffer.concat([Buffer.from('xxxx'), hex('0123456789ABCDEF'), Buffer.from('yy')]);
    const view = new Uint8Array(backing.buffer, backing.byteOffset + 4, 8);
    const cipher = createCipher('des', 'ecb', hex('133457799BBCDFF1'), { backend });
    expect(toHex(cipher.encrypt(view))).toBe('85e813540f0ab405');
  });

  test('keeps its own copy of key and IV', () => {
    const key = Buffer.from(AES_KEYS['aes-128']);
    const iv = Buffer.from(NIST_CBC_IV);
    const cipher = createCipher('aes-128', 'cbc', key, { backend });
    cipher.setIv(iv);
    key.fill(0);
    iv.fill(0);
    expect(toHex(cipher.encrypt(NIST_PLAIN))).toBe(toHex(hex(AES_EXPECTED['aes-128'].cbc)));
  });
});

describe('CTR counter: all 128 bits increment, as in OpenSSL', () => {
  const key = AES_KEYS['aes-128'];
  const ecbOf = (block: string): string =>
    toHex(createCipher('aes-128', 'ecb', key, { backend: 'node' }).encrypt(hex(block)));
  // Keystream blocks are E(counter); the counters are written out by hand.
  const LOW32_WRAP = [
    '000102030405060708090a0bffffffff',
    '000102030405060708090a0c00000000',
    '000102030405060708090a0c00000001',
  ];
  const FULL_WRAP = ['ffffffffffffffffffffffffffffffff', '00000000000000000000000000000000'];

  test.each(BACKENDS)('%s carries out of the low 32 bits', (backend) => {
    const cipher = createCipher('aes-128', 'ctr', key, { backend });
    cipher.setIv(hex(LOW32_WRAP[0] ?? ''));
    const stream = cipher.encrypt(Buffer.alloc(48));
    expect(toHex(stream)).toBe(LOW32_WRAP.map(ecbOf).join(''));
  });

  test.each(BACKENDS)('%s carries across calls and wraps at 2^128', (backend) => {
    const cipher = createCipher('aes-128', 'ctr', key, { backend });
    cipher.setIv(hex(FULL_WRAP[0] ?? ''));
    const first = cipher.encrypt(Buffer.alloc(16));
    const second = cipher.encrypt(Buffer.alloc(16));
    expect([toHex(first), toHex(second)]).toEqual(FULL_WRAP.map(ecbOf));
  });

  test('the node ECB used above is itself right (SP 800-38A block 1)', () => {
    expect(ecbOf('6bc1bee22e409f96e93d7e117393172a')).toBe('3ad77bb40d7a3660a89ecaf32466ef97');
  });

  // Why cipher-forge.ts builds CTR itself: forge's own CTR mode (inc32) only
  // increments the low 32 bits. If this starts failing, forge changed.
  test("forge's built-in CTR differs once the low 32 bits wrap", () => {
    const op = forge.cipher.createCipher('AES-CTR', forge.util.createBuffer(key.toString('binary')));
    op.start({ iv: hex(LOW32_WRAP[0] ?? '').toString('binary') });
    op.update(forge.util.createBuffer(Buffer.alloc(32).toString('binary')));
    const forgeStream = Buffer.from(op.output.getBytes(), 'binary');
    expect(toHex(forgeStream.subarray(16))).toBe(ecbOf('000102030405060708090a0b00000000'));
    expect(toHex(forgeStream.subarray(16))).not.toBe(ecbOf(LOW32_WRAP[1] ?? ''));
  });

  test('addToCounter adds big-endian with carry and wrap-around', () => {
    expect(toHex(addToCounter(hex('00ff'), 1))).toBe('0100');
    expect(toHex(addToCounter(hex('0000'), 0x1234))).toBe('1234');
    expect(toHex(addToCounter(hex('ffff'), 2))).toBe('0001');
    // (2^64 - 1) + (2^53 - 1) = 2^64 + 2^53 - 2
    expect(toHex(addToCounter(hex('00000000ffffffffffffffff'), 2 ** 53 - 1))).toBe(
      '00000001001ffffffffffffe',
    );
  });
});
