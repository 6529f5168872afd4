import { execFileSync } from 'node:child_process';
import { createCipheriv, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CryptoErrorCode } from '../../../src/crypto/errors';
import { SecretStore, type SecretOptions } from '../../../src/crypto/secret';
import { cryptoError } from '../../helpers/crypto-error';

const OPENSSL = '/usr/bin/openssl';

function openssl(args: string[], input?: string): string {
  if (!existsSync(OPENSSL)) {
    throw new Error(`${OPENSSL} not found: these tests check interoperability with the real openssl; install it (apt-get install openssl)`);
  }
  return execFileSync(OPENSSL, args, { input: input ?? '', encoding: 'latin1' });
}

/** Fixed key, iv and ciphertext so that failure cases are deterministic. */
const KEY = Buffer.alloc(32, 0x11);
const OTHER_KEY = Buffer.alloc(32, 0x22);
const IV = Buffer.alloc(16, 0x33);
function encrypt(plaintext: string | Buffer, key = KEY, iv = IV): Buffer {
  const cipher = createCipheriv('aes-256-cbc', key, iv);
  return Buffer.concat([cipher.update(plaintext), cipher.final()]);
}

let dir: string;
let store: SecretStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vncd-secret-'));
  store = new SecretStore();
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('interoperability with openssl enc', () => {
  function makeKeyFile(): { keyFile: string; keyHex: string; ivHex: string } {
    const keyFile = join(dir, 'key.b64');
    openssl(['rand', '-base64', '-out', keyFile, '32']);
    const keyText = readFileSync(keyFile, 'latin1');
    expect(keyText.endsWith('\n')).toBe(true);
    const keyHex = Buffer.from(keyText.trim(), 'base64').toString('hex');
    const ivHex = openssl(['rand', '-hex', '16']).trim();
    return { keyFile, keyHex, ivHex };
  }

  test('printf letmein | openssl enc -aes-256-cbc -a -K <key> -iv <iv>', () => {
    const { keyFile, keyHex, ivHex } = makeKeyFile();
    const encrypted = openssl(['enc', '-aes-256-cbc', '-a', '-K', keyHex, '-iv', ivHex], 'letmein');
    store.add({ id: 'key', file: keyFile, format: 'base64' });
    expect(store.get('key').toString('hex')).toBe(keyHex);
    const iv = Buffer.from(ivHex, 'hex').toString('base64');
    store.add({ id: 'pw', data: encrypted, keyid: 'key', iv });
    expect(store.getText('pw')).toBe('letmein');
    expect(store.get('pw')).toEqual(Buffer.from('letmein'));
  });

  test('long plaintext (openssl wraps base64 at 64 columns) and format base64 after decryption', () => {
    const { keyFile, keyHex, ivHex } = makeKeyFile();
    const secret = randomBytes(200);
    const encrypted = openssl(
      ['enc', '-aes-256-cbc', '-a', '-K', keyHex, '-iv', ivHex],
      secret.toString('base64'),
    );
    expect(encrypted.split('\n').length).toBeGreaterThan(3);
    const encFile = join(dir, 'secret.enc');
    writeFileSync(encFile, encrypted);
    store.add({ id: 'key', file: keyFile, format: 'base64' });
    const iv = Buffer.from(ivHex, 'hex').toString('base64');
    store.add({ id: 'blob', file: encFile, keyid: 'key', iv, format: 'base64' });
    expect(store.get('blob')).toEqual(secret);
  });

  test('agrees with openssl enc -d on data we did not encrypt with openssl', () => {
    const ciphertext = encrypt('from node').toString('base64');
    const decrypted = openssl(['enc', '-d', '-aes-256-cbc', '-a', '-A', '-K', KEY.toString('hex'), '-iv', IV.toString('hex')], ciphertext);
    expect(decrypted).toBe('from node');
    store.add({ id: 'key', data: KEY.toString('base64'), format: 'base64' });
    store.add({ id: 'x', data: ciphertext, keyid: 'key', iv: IV.toString('base64') });
    expect(store.getText('x')).toBe('from node');
  });
});

describe('plain secrets', () => {
  test('raw data keeps its bytes exactly, newline included', () => {
    store.add({ id: 'a', data: 'pass word\n' });
    expect(store.get('a')).toEqual(Buffer.from('pass word\n'));
    store.add({ id: 'u', data: 'ünï' });
    expect(store.get('u')).toEqual(Buffer.from([0xc3, 0xbc, 0x6e, 0xc3, 0xaf]));
  });

  test('raw file keeps its bytes exactly', () => {
    const file = join(dir, 'pw');
    writeFileSync(file, Buffer.from([0x00, 0xff, 0x0a]));
    store.add({ id: 'f', file });
    expect(store.get('f')).toEqual(Buffer.from([0x00, 0xff, 0x0a]));
  });

  test('base64 accepts whitespace between characters', () => {
    store.add({ id: 'b', data: 'aGVs\nbG8=\n', format: 'base64' });
    expect(store.getText('b')).toBe('hello');
    store.add({ id: 'c', data: ' aG Vs\r\n\tbG 8= ', format: 'base64' });
    expect(store.getText('c')).toBe('hello');
    store.add({ id: 'empty', data: '', format: 'base64' });
    expect(store.get('empty').length).toBe(0);
  });

  test('getBase64, has, get returns a copy, delete', () => {
    store.add({ id: 'k', data: 'hello' });
    expect(store.has('k')).toBe(true);
    expect(store.getBase64('k')).toBe('aGVsbG8=');
    const copy = store.get('k');
    copy.fill(0);
    expect(store.getText('k')).toBe('hello');
    expect(store.delete('k')).toBe(true);
    expect(store.has('k')).toBe(false);
    expect(store.delete('k')).toBe(false);
    expect(() => store.get('k')).toThrow("no secret with id 'k'");
  });

  test('getText keeps a byte-order mark', () => {
    store.add({ id: 'bom', data: '\uFEFFx' });
    expect(store.getText('bom')).toBe('\uFEFFx');
  });

  test('ids that QEMU accepts', () => {
    for (const id of ['a', 'sec0', 'my-secret.v2_x']) store.add({ id, data: 'x' });
    expect(store.has('my-secret.v2_x')).toBe(true);
  });
});

describe('misuse', () => {
  const cases: [string, (s: SecretStore) => void, CryptoErrorCode, string][] = [
    ['data and file', (s) => s.add({ id: 'x', data: 'a', file: '/etc/hostname' }), CryptoErrorCode.SECRET_INVALID, "secret 'x': give either 'data' or 'file', not both"],
    ['neither data nor file', (s) => s.add({ id: 'x' }), CryptoErrorCode.SECRET_INVALID, "secret 'x': one of 'data' or 'file' is required"],
    ['invalid id', (s) => s.add({ id: '1abc', data: 'a' }), CryptoErrorCode.SECRET_INVALID, `secret id "1abc" is not valid: it must start with a letter`],
    ['empty id', (s) => s.add({ id: '', data: 'a' }), CryptoErrorCode.SECRET_INVALID, 'secret id "" is not valid'],
    ['id with a space', (s) => s.add({ id: 'a b', data: 'a' }), CryptoErrorCode.SECRET_INVALID, 'secret id "a b" is not valid'],
    ['unknown format', (s) => s.add({ id: 'x', data: 'a', format: 'hex' } as unknown as SecretOptions), CryptoErrorCode.SECRET_INVALID, `secret 'x': format must be 'raw' or 'base64', got "hex"`],
    ['unknown id', (s) => s.get('nope'), CryptoErrorCode.SECRET_UNKNOWN, "no secret with id 'nope'"],
    ['unknown id (text)', (s) => s.getText('nope'), CryptoErrorCode.SECRET_UNKNOWN, "no secret with id 'nope'"],
    ['bad base64 character', (s) => s.add({ id: 'x', data: 'aGVs*G8=', format: 'base64' }), CryptoErrorCode.SECRET_INVALID, "secret 'x': data is not valid base64: invalid character '*' (U+002A) at offset 4"],
    ['url-safe base64', (s) => s.add({ id: 'x', data: 'ab-_', format: 'base64' }), CryptoErrorCode.SECRET_INVALID, "secret 'x': data is not valid base64: invalid character '-' (U+002D) at offset 2"],
    ['non-ASCII in base64', (s) => s.add({ id: 'x', data: 'aGVsé', format: 'base64' }), CryptoErrorCode.SECRET_INVALID, 'invalid character U+00C3 at offset 4'],
    ['missing padding', (s) => s.add({ id: 'x', data: 'aGVsbG8', format: 'base64' }), CryptoErrorCode.SECRET_INVALID, "secret 'x': data is not valid base64: length 7 (without whitespace) is not a multiple of 4"],
    ['data after padding', (s) => s.add({ id: 'x', data: 'aGVs=bG8', format: 'base64' }), CryptoErrorCode.SECRET_INVALID, "data continues after '=' padding at offset 5"],
    ['too much padding', (s) => s.add({ id: 'x', data: 'aGVsbG8====', format: 'base64' }), CryptoErrorCode.SECRET_INVALID, 'not a multiple of 4'],
    ['only padding', (s) => s.add({ id: 'x', data: '====', format: 'base64' }), CryptoErrorCode.SECRET_INVALID, "too much '=' padding (4 characters"],
    ['non-canonical base64', (s) => s.add({ id: 'x', data: 'QR==', format: 'base64' }), CryptoErrorCode.SECRET_INVALID, 'non-zero unused bits'],
    ['iv without keyid', (s) => s.add({ id: 'x', data: 'a', iv: IV.toString('base64') }), CryptoErrorCode.SECRET_INVALID, "secret 'x': 'iv' is given but 'keyid' is not"],
    ['unknown keyid', (s) => s.add({ id: 'x', data: 'a', keyid: 'nokey', iv: IV.toString('base64') }), CryptoErrorCode.SECRET_UNKNOWN, "secret 'x': key secret 'nokey' (keyid) does not exist"],
  ];
  test.each(cases)('%s', (_what, act, code, message) => {
    const error = cryptoError(() => act(store));
    expect(error.code).toBe(code);
    expect(error.message).toContain(message);
  });

  test('duplicate id', () => {
    store.add({ id: 'x', data: 'a' });
    const error = cryptoError(() => store.add({ id: 'x', data: 'b' }));
    expect(error.code).toBe(CryptoErrorCode.SECRET_INVALID);
    expect(error.message).toBe("secret 'x' already exists");
    expect(store.getText('x')).toBe('a');
  });

  test('unreadable file names the path and the system error', () => {
    const missing = join(dir, 'missing');
    const error = cryptoError(() => store.add({ id: 'x', file: missing }));
    expect(error.code).toBe(CryptoErrorCode.SECRET_READ);
    expect(error.message).toMatch(/^secret 'x': cannot read file '.*\/missing': ENOENT: no such file or directory, open '.*\/missing'$/);
    expect((error.cause as NodeJS.ErrnoException).code).toBe('ENOENT');
    const isDir = cryptoError(() => store.add({ id: 'y', file: dir }));
    expect(isDir.message).toContain(`secret 'y': cannot read file '${dir}': EISDIR`);
    expect(store.has('x')).toBe(false);
  });

  test('invalid base64 in a file names the file', () => {
    const file = join(dir, 'bad.b64');
    writeFileSync(file, 'aGVs!\n');
    expect(() => store.add({ id: 'x', file, format: 'base64' })).toThrow(
      `secret 'x': file '${file}' is not valid base64: invalid character '!' (U+0021) at offset 4`,
    );
  });

  test('non-UTF-8 secret asked for as text', () => {
    store.add({ id: 'bin', data: '/w==', format: 'base64' });
    const error = cryptoError(() => store.getText('bin'));
    expect(error.code).toBe(CryptoErrorCode.SECRET_INVALID);
    expect(error.message).toBe("secret 'bin' is not valid UTF-8 text (it holds 1 bytes of binary data)");
    expect(store.get('bin')).toEqual(Buffer.from([0xff]));
  });

  describe('encrypted secrets', () => {
    const iv = IV.toString('base64');
    beforeEach(() => {
      store.add({ id: 'key', data: KEY.toString('base64'), format: 'base64' });
      store.add({ id: 'other', data: OTHER_KEY.toString('base64'), format: 'base64' });
    });

    test('decrypts, and the key may itself be encrypted', () => {
      store.add({ id: 'k2', data: encrypt(OTHER_KEY).toString('base64'), keyid: 'key', iv });
      store.add({ id: 'x', data: encrypt('nested', OTHER_KEY).toString('base64'), keyid: 'k2', iv });
      expect(store.getText('x')).toBe('nested');
    });

    test('key of the wrong length', () => {
      store.add({ id: 'short', data: 'abc' });
      const error = cryptoError(() => store.add({ id: 'x', data: encrypt('a').toString('base64'), keyid: 'short', iv }));
      expect(error.code).toBe(CryptoErrorCode.SECRET_INVALID);
      expect(error.message).toBe(
        "secret 'x': key secret 'short' is 3 bytes long, but AES-256 needs exactly 32 bytes",
      );
    });

    test('key given as 32 characters of base64 text but raw format is 44 bytes', () => {
      store.add({ id: 'textkey', data: KEY.toString('base64') });
      expect(() => store.add({ id: 'x', data: encrypt('a').toString('base64'), keyid: 'textkey', iv })).toThrow(
        /key secret 'textkey' is 44 bytes long/,
      );
    });

    test('iv missing, invalid or of the wrong length', () => {
      const data = encrypt('a').toString('base64');
      const missing = cryptoError(() => store.add({ id: 'x', data, keyid: 'key' }));
      expect(missing.code).toBe(CryptoErrorCode.SECRET_INVALID);
      expect(missing.message).toBe("secret 'x': 'iv' is required when 'keyid' is given");
      const short = cryptoError(() => store.add({ id: 'x', data, keyid: 'key', iv: Buffer.alloc(8).toString('base64') }));
      expect(short.message).toBe("secret 'x': 'iv' is 8 bytes long, but must be exactly 16");
      const hex = cryptoError(() => store.add({ id: 'x', data, keyid: 'key', iv: IV.toString('hex') }));
      expect(hex.message).toBe("secret 'x': 'iv' is 24 bytes long, but must be exactly 16");
      const bad = cryptoError(() => store.add({ id: 'x', data, keyid: 'key', iv: 'not base64!' }));
      expect(bad.code).toBe(CryptoErrorCode.SECRET_INVALID);
      expect(bad.message).toBe("secret 'x': 'iv' is not valid base64: invalid character '!' (U+0021) at offset 10");
    });

    test('wrong key', () => {
      const error = cryptoError(() =>
        store.add({ id: 'x', data: encrypt('letmein', OTHER_KEY).toString('base64'), keyid: 'key', iv }),
      );
      expect(error.code).toBe(CryptoErrorCode.SECRET_DECRYPT);
      expect(error.message).toBe("secret 'x': decryption with key 'key' failed: bad padding (wrong key or corrupt data)");
      expect(store.has('x')).toBe(false);
    });

    test('corrupt data: a changed last block, a truncated ciphertext', () => {
      const ciphertext = encrypt('letmein');
      ciphertext[ciphertext.length - 1] = (ciphertext[ciphertext.length - 1] ?? 0) ^ 0x01;
      const corrupt = cryptoError(() => store.add({ id: 'x', data: ciphertext.toString('base64'), keyid: 'key', iv }));
      expect(corrupt.code).toBe(CryptoErrorCode.SECRET_DECRYPT);
      expect(corrupt.message).toContain('wrong key or corrupt data');
      const truncated = cryptoError(() =>
        store.add({ id: 'x', data: encrypt('letmein').subarray(0, 10).toString('base64'), keyid: 'key', iv }),
      );
      expect(truncated.code).toBe(CryptoErrorCode.SECRET_DECRYPT);
      expect(truncated.message).toBe(
        "secret 'x': encrypted data is 10 bytes, not a non-zero multiple of the 16-byte AES block (corrupt or truncated data)",
      );
      const empty = cryptoError(() => store.add({ id: 'x', data: '', keyid: 'key', iv }));
      expect(empty.message).toContain('encrypted data is 0 bytes');
    });

    test('encrypted data must be base64, whatever the format', () => {
      const error = cryptoError(() => store.add({ id: 'x', data: 'plain text!', keyid: 'key', iv }));
      expect(error.code).toBe(CryptoErrorCode.SECRET_INVALID);
      expect(error.message).toMatch(/^secret 'x': encrypted data \(always base64 with keyid\) is not valid base64/);
    });

    test('format base64 applies to the decrypted plaintext', () => {
      store.add({ id: 'ok', data: encrypt('aGk=').toString('base64'), keyid: 'key', iv, format: 'base64' });
      expect(store.getText('ok')).toBe('hi');
      const error = cryptoError(() =>
        store.add({ id: 'x', data: encrypt('not base64!').toString('base64'), keyid: 'key', iv, format: 'base64' }),
      );
      expect(error.message).toBe(
        "secret 'x': decrypted data is not valid base64: invalid character '!' (U+0021) at offset 10",
      );
    });
  });
});
