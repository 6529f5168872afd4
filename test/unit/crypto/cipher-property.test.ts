/**
 * Random cases (seeded, so a failure reproduces): every backend gives the same
 * bytes for every supported pair, decrypt undoes encrypt, and splitting the
 * input across calls at random block boundaries changes nothing.
 */
import {
  CIPHER_ALGORITHMS,
  CIPHER_MODES,
  type CipherAlgorithm,
  type CipherMode,
  createCipher,
  defaultCipherRegistry,
} from '../../../src/crypto/cipher';
import { deterministicRandom } from '../../../src/crypto/random';
import { toHex } from '../../helpers/hex';

const BACKENDS = defaultCipherRegistry().backends();
const CASES = 300;

const PAIRS = (Object.keys(CIPHER_ALGORITHMS) as CipherAlgorithm[]).flatMap((algorithm) =>
  CIPHER_MODES.filter((mode) => defaultCipherRegistry().supports(algorithm, mode)).map(
    (mode) => [algorithm, mode] as const,
  ),
);

beforeAll(() => {
  delete process.env.VNCD_CIPHER_BACKEND;
});

test('every algorithm has at least ECB and CBC, and AES has CTR', () => {
  expect(PAIRS.map(([a, m]) => `${a}-${m}`)).toEqual([
    'aes-128-ecb', 'aes-128-cbc', 'aes-128-ctr',
    'aes-192-ecb', 'aes-192-cbc', 'aes-192-ctr',
    'aes-256-ecb', 'aes-256-cbc', 'aes-256-ctr',
    'des-ecb', 'des-cbc',
  ]);
});

test('more than one backend is compared', () => {
  expect(BACKENDS.length).toBeGreaterThanOrEqual(2);
});

interface Case {
  readonly algorithm: CipherAlgorithm;
  readonly mode: CipherMode;
  readonly key: Buffer;
  readonly iv: Buffer;
  readonly data: Buffer;
  /** Block counts per call, summing to the data's block count. */
  readonly split: readonly number[];
}

function makeCases(seed: string): Case[] {
  const random = deterministicRandom(seed);
  const byte = (): number => random(1)[0] ?? 0;
  const cases: Case[] = [];
  for (let i = 0; i < CASES; i++) {
    const pair = PAIRS[i % PAIRS.length];
    if (pair === undefined) throw new Error('no cipher pairs');
    const [algorithm, mode] = pair;
    const { blockSize, keyLength } = CIPHER_ALGORITHMS[algorithm];
    const blocks = byte() % 9; // 0 to 8 blocks
    const split: number[] = [];
    for (let left = blocks; left > 0; ) {
      const take = 1 + (byte() % left);
      split.push(take);
      left -= take;
    }
    const iv = random(blockSize);
    // Every fourth CTR case starts near a 32-bit or 128-bit counter wrap.
    if (mode === 'ctr' && i % 4 === 0) iv.fill(0xff, i % 8 === 0 ? 0 : 12);
    cases.push({ algorithm, mode, key: random(keyLength), iv, data: random(blocks * blockSize), split });
  }
  return cases;
}

function run(c: Case, backend: string, direction: 'encrypt' | 'decrypt', input: Buffer, split?: readonly number[]): Buffer {
  const cipher = createCipher(c.algorithm, c.mode, c.key, { backend });
  if (c.mode !== 'ecb') cipher.setIv(c.iv);
  if (split === undefined) return cipher[direction](input);
  const parts: Buffer[] = [];
  let at = 0;
  for (const blocks of split) {
    const end = at + blocks * cipher.blockSize;
    parts.push(cipher[direction](input.subarray(at, end)));
    at = end;
  }
  return Buffer.concat(parts);
}

const cases = makeCases('vncd cipher property v1');

test(`${CASES} random cases: backends agree, round-trip, split = whole`, () => {
  const failures: string[] = [];
  cases.forEach((c, index) => {
    const label = `case ${index} ${c.algorithm}-${c.mode} key=${toHex(c.key)} iv=${toHex(c.iv)}`;
    const reference = run(c, BACKENDS[0] ?? 'node', 'encrypt', c.data);
    if (c.data.length > 0 && reference.equals(c.data)) failures.push(`${label}: encrypt was identity`);
    for (const backend of BACKENDS) {
      const encrypted = run(c, backend, 'encrypt', c.data);
      if (!encrypted.equals(reference)) failures.push(`${label}: ${backend} encrypt differs`);
      if (!run(c, backend, 'encrypt', c.data, c.split).equals(reference)) {
        failures.push(`${label}: ${backend} split encrypt ${c.split.join('+')} differs`);
      }
      if (!run(c, backend, 'decrypt', reference).equals(c.data)) {
        failures.push(`${label}: ${backend} decrypt does not undo encrypt`);
      }
      if (!run(c, backend, 'decrypt', reference, c.split).equals(c.data)) {
        failures.push(`${label}: ${backend} split decrypt ${c.split.join('+')} differs`);
      }
    }
  });
  expect(failures).toEqual([]);
});

test('the generated cases cover every pair and non-trivial splits', () => {
  const seen = new Set(cases.map((c) => `${c.algorithm}-${c.mode}`));
  expect(seen.size).toBe(PAIRS.length);
  expect(cases.filter((c) => c.split.length >= 3).length).toBeGreaterThan(CASES / 5);
});
