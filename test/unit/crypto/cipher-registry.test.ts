/** Validation errors, backend selection, the environment variable, custom backends. */
import {
  type CipherBackend,
  type CipherRequest,
  CipherRegistry,
  cipherSupports,
  createCipher,
  defaultCipherRegistry,
} from '../../../src/crypto/cipher';
import { createForgeCipherBackend } from '../../../src/crypto/cipher-forge';
import { createNodeCipherBackend } from '../../../src/crypto/cipher-node';
import { cryptoError } from '../../helpers/crypto-error';
import { hex, toHex } from '../../helpers/hex';

const AES128_KEY = hex('2b7e151628aed2a6abf7158809cf4f3c');
const ENV = 'VNCD_CIPHER_BACKEND';
const savedEnv = process.env[ENV];
beforeEach(() => {
  delete process.env[ENV];
});
afterAll(() => {
  if (savedEnv === undefined) delete process.env[ENV];
  else process.env[ENV] = savedEnv;
});

/** A toy backend: "encrypts" by XOR with the key (for aes-128-ecb only). */
const xorBackend: CipherBackend = {
  name: 'xor',
  supports: (algorithm, mode) => algorithm === 'aes-128' && mode === 'ecb',
  transform: ({ key, data }) => Buffer.from(data.map((b, i) => b ^ (key[i % key.length] ?? 0))),
};

/** Returns its input and records what the core passed in. */
function recordingBackend(name = 'record'): CipherBackend & { calls: CipherRequest[] } {
  const calls: CipherRequest[] = [];
  return {
    name,
    calls,
    supports: (algorithm) => algorithm === 'aes-128',
    transform(request) {
      calls.push(request);
      return Buffer.from(request.data);
    },
  };
}

describe('validation', () => {
  test.each([
    ['aes-128', 15, 'aes-128 key must be 16 bytes, got 15'],
    ['aes-192', 16, 'aes-192 key must be 24 bytes, got 16'],
    ['aes-256', 33, 'aes-256 key must be 32 bytes, got 33'],
    ['des', 16, 'des key must be 8 bytes, got 16'],
  ] as const)('%s rejects a %d-byte key', (algorithm, length, message) => {
    const error = cryptoError(() => createCipher(algorithm, 'ecb', Buffer.alloc(length)));
    expect([error.code, error.message]).toEqual(['CRYPTO_INVALID_KEY', message]);
  });

  test('IV must be exactly one block', () => {
    const cipher = createCipher('aes-128', 'cbc', AES128_KEY);
    const error = cryptoError(() => cipher.setIv(Buffer.alloc(8)));
    expect([error.code, error.message]).toEqual([
      'CRYPTO_INVALID_IV',
      'aes-128-cbc IV must be 16 bytes (one block), got 8',
    ]);
    const des = createCipher('des', 'cbc', Buffer.alloc(8));
    expect(cryptoError(() => des.setIv(Buffer.alloc(16))).message).toBe(
      'des-cbc IV must be 8 bytes (one block), got 16',
    );
  });

  test.each(['cbc', 'ctr'] as const)('%s needs setIv before use, both directions', (mode) => {
    const cipher = createCipher('aes-128', mode, AES128_KEY);
    const enc = cryptoError(() => cipher.encrypt(Buffer.alloc(16)));
    expect([enc.code, enc.message]).toEqual([
      'CRYPTO_INVALID_IV',
      `aes-128-${mode} needs an IV: call setIv() before encrypt`,
    ]);
    expect(cryptoError(() => cipher.decrypt(Buffer.alloc(16))).message).toMatch(/before decrypt$/);
  });

  test('ECB rejects setIv, as QEMU does', () => {
    const cipher = createCipher('aes-256', 'ecb', Buffer.alloc(32));
    const error = cryptoError(() => cipher.setIv(Buffer.alloc(16)));
    expect([error.code, error.message]).toEqual([
      'CRYPTO_INVALID_IV',
      'aes-256-ecb takes no IV (ECB has no chaining)',
    ]);
  });

  test.each([
    ['aes-128', 'ecb', 15],
    ['aes-128', 'ctr', 17],
    ['des', 'cbc', 12],
  ] as const)('%s-%s rejects a partial block (%d bytes)', (algorithm, mode, length) => {
    const key = Buffer.alloc(algorithm === 'des' ? 8 : 16);
    const cipher = createCipher(algorithm, mode, key);
    if (mode !== 'ecb') cipher.setIv(Buffer.alloc(cipher.blockSize));
    const error = cryptoError(() => cipher.decrypt(Buffer.alloc(length)));
    expect([error.code, error.message]).toEqual([
      'CRYPTO_INVALID_LENGTH',
      `${algorithm}-${mode} input must be a multiple of the ${cipher.blockSize}-byte block ` +
        `size (no padding), got ${length} bytes`,
    ]);
  });
});

describe('support and selection', () => {
  test.each([
    ['aes-128', 'ctr', true],
    ['aes-256', 'cbc', true],
    ['des', 'ecb', true],
    ['des', 'cbc', true],
    ['des', 'ctr', false],
    ['cast5', 'cbc', false],
    ['aes-128', 'xts', false],
    ['', '', false],
    ['toString', 'ecb', false],
  ] as const)('cipherSupports(%j, %j) is %s', (algorithm, mode, expected) => {
    expect(cipherSupports(algorithm, mode)).toBe(expected);
  });

  test('supports with a backend option never throws', () => {
    expect(cipherSupports('aes-128', 'ecb', { backend: 'forge' })).toBe(true);
    expect(cipherSupports('aes-128', 'ecb', { backend: 'nope' })).toBe(false);
  });

  test('the first supporting backend is used by default', () => {
    expect(createCipher('aes-128', 'ecb', AES128_KEY).backend).toBe('node');
  });

  test('an unsupported pair names it and the backends tried', () => {
    const error = cryptoError(() => createCipher('des', 'ctr', Buffer.alloc(8)));
    expect([error.code, error.message]).toEqual([
      'CRYPTO_UNSUPPORTED',
      'des-ctr is not supported by any cipher backend (tried: node, forge)',
    ]);
    const named = cryptoError(() => createCipher('des', 'ctr', Buffer.alloc(8), { backend: 'forge' }));
    expect(named.message).toBe('des-ctr is not supported by cipher backend "forge"');
  });

  test('an unknown algorithm from a cast is refused, not passed on', () => {
    const error = cryptoError(() =>
      createCipher('cast5' as 'des', 'cbc', Buffer.alloc(8)),
    );
    expect(error.code).toBe('CRYPTO_UNSUPPORTED');
    expect(error.message).toMatch(/^cipher cast5-cbc is unknown \(algorithms: aes-128, /);
  });

  test('an unknown backend option lists the registered ones', () => {
    const error = cryptoError(() => createCipher('aes-128', 'ecb', AES128_KEY, { backend: 'gcrypt' }));
    expect([error.code, error.message]).toEqual([
      'CRYPTO_UNKNOWN_BACKEND',
      'unknown cipher backend "gcrypt" (from the backend option); registered: node, forge',
    ]);
  });
});

describe(`${ENV}`, () => {
  test('names the preferred backend, read when a cipher is created', () => {
    process.env[ENV] = 'forge';
    expect(createCipher('aes-128', 'ecb', AES128_KEY).backend).toBe('forge');
    process.env[ENV] = 'node';
    expect(createCipher('aes-128', 'ecb', AES128_KEY).backend).toBe('node');
    process.env[ENV] = '';
    expect(createCipher('aes-128', 'ecb', AES128_KEY).backend).toBe('node');
  });

  test('the backend option wins over it', () => {
    process.env[ENV] = 'forge';
    expect(createCipher('aes-128', 'ecb', AES128_KEY, { backend: 'node' }).backend).toBe('node');
  });

  test('an unknown name is an error that lists the registered backends', () => {
    process.env[ENV] = 'openssl';
    const error = cryptoError(() => createCipher('aes-128', 'ecb', AES128_KEY));
    expect([error.code, error.message]).toEqual([
      'CRYPTO_UNKNOWN_BACKEND',
      `unknown cipher backend "openssl" (from ${ENV}); registered: node, forge`,
    ]);
  });

  test('falls back to the others when the preferred one lacks the pair', () => {
    const registry = new CipherRegistry([createNodeCipherBackend(), xorBackend]);
    process.env[ENV] = 'xor';
    expect(registry.create('aes-128', 'ecb', AES128_KEY).backend).toBe('xor');
    expect(registry.create('aes-128', 'cbc', AES128_KEY).backend).toBe('node');
  });
});

describe('registry', () => {
  test('a custom backend is one register() call away', () => {
    const registry = new CipherRegistry([createForgeCipherBackend()]);
    registry.register(xorBackend, { first: true });
    expect(registry.backends()).toEqual(['xor', 'forge']);
    const cipher = registry.create('aes-128', 'ecb', hex('01'.repeat(16)));
    expect(cipher.backend).toBe('xor');
    expect(toHex(cipher.encrypt(hex('00ff'.repeat(8))))).toBe('01fe'.repeat(8));
    // Other pairs still go to forge.
    expect(registry.create('aes-128', 'cbc', AES128_KEY).backend).toBe('forge');
    expect(registry.supports('aes-192', 'ecb', { backend: 'xor' })).toBe(false);
  });

  test('register appends by default', () => {
    const registry = new CipherRegistry();
    expect(registry.backends()).toEqual([]);
    registry.register(createNodeCipherBackend());
    registry.register(xorBackend);
    expect(registry.backends()).toEqual(['node', 'xor']);
    expect(registry.create('aes-128', 'ecb', AES128_KEY).backend).toBe('node');
  });

  test('an empty registry reports nothing to try', () => {
    const error = cryptoError(() => new CipherRegistry().create('aes-128', 'ecb', AES128_KEY));
    expect(error.message).toBe(
      'aes-128-ecb is not supported by any cipher backend (tried: none registered)',
    );
  });

  test('names must be unique and non-empty', () => {
    const registry = new CipherRegistry([xorBackend]);
    const dup = cryptoError(() => registry.register({ ...xorBackend }));
    expect([dup.code, dup.message]).toEqual([
      'CRYPTO_DUPLICATE_BACKEND',
      'a cipher backend named "xor" is already registered',
    ]);
    expect(cryptoError(() => registry.register({ ...xorBackend, name: '' })).code).toBe(
      'CRYPTO_DUPLICATE_BACKEND',
    );
  });

  test('the core keeps the chain: CBC passes the last ciphertext block on', () => {
    const backend = recordingBackend();
    const cipher = new CipherRegistry([backend]).create('aes-128', 'cbc', AES128_KEY);
    cipher.setIv(hex('aa'.repeat(16)));
    cipher.encrypt(hex('11'.repeat(16) + '22'.repeat(16)));
    cipher.decrypt(hex('33'.repeat(16) + '44'.repeat(16)));
    cipher.encrypt(hex('55'.repeat(16)));
    expect(backend.calls.map((c) => [c.direction, toHex(c.iv ?? Buffer.alloc(0))])).toEqual([
      ['encrypt', 'aa'.repeat(16)],
      ['decrypt', '22'.repeat(16)], // last output of the encrypt (identity backend)
      ['encrypt', '44'.repeat(16)], // last input of the decrypt
    ]);
  });

  test('the core keeps the counter: CTR advances by the number of blocks', () => {
    const backend = recordingBackend();
    const cipher = new CipherRegistry([backend]).create('aes-128', 'ctr', AES128_KEY);
    cipher.setIv(hex('00'.repeat(15) + 'fe'));
    cipher.encrypt(Buffer.alloc(48));
    cipher.decrypt(Buffer.alloc(16));
    expect(backend.calls.map((c) => toHex(c.iv ?? Buffer.alloc(0)))).toEqual([
      '00'.repeat(15) + 'fe',
      '00'.repeat(14) + '0101',
    ]);
    expect(backend.calls[0]?.key.equals(AES128_KEY)).toBe(true);
  });

  test('ECB passes no IV', () => {
    const backend = recordingBackend();
    new CipherRegistry([backend]).create('aes-128', 'ecb', AES128_KEY).encrypt(Buffer.alloc(16));
    expect(backend.calls[0]?.iv).toBeUndefined();
  });

  test('a backend that throws is reported with its name and the cause', () => {
    const cause = new Error('engine on fire');
    const broken: CipherBackend = {
      name: 'broken',
      supports: () => true,
      transform: () => {
        throw cause;
      },
    };
    const cipher = new CipherRegistry([broken]).create('des', 'ecb', Buffer.alloc(8));
    const error = cryptoError(() => cipher.encrypt(Buffer.alloc(8)));
    expect([error.code, error.message, error.cause]).toEqual([
      'CRYPTO_BACKEND_FAILED',
      'cipher backend "broken" failed to encrypt des-ecb: engine on fire',
      cause,
    ]);
  });

  test('a backend that returns the wrong length is caught', () => {
    const short: CipherBackend = { name: 'short', supports: () => true, transform: () => Buffer.alloc(3) };
    const cipher = new CipherRegistry([short]).create('des', 'ecb', Buffer.alloc(8));
    expect(cryptoError(() => cipher.decrypt(Buffer.alloc(8))).message).toBe(
      'cipher backend "short" failed to decrypt des-ecb: returned 3 bytes for 8 bytes of input',
    );
  });

  test('registerCipherBackend adds to the default registry', () => {
    jest.isolateModules(() => {
      // A fresh module copy, so the shared default registry stays untouched.
      const fresh = require('../../../src/crypto/cipher') as typeof import('../../../src/crypto/cipher');
      fresh.registerCipherBackend(xorBackend, { first: true });
      expect(fresh.defaultCipherRegistry().backends()).toEqual(['xor', 'node', 'forge']);
      expect(fresh.createCipher('aes-128', 'ecb', AES128_KEY).backend).toBe('xor');
    });
    expect(defaultCipherRegistry().backends()).toEqual(['node', 'forge']);
  });
});
