/**
 * Named secrets, after QEMU's `secret` object (crypto/secret_common.c): the
 * value comes from inline `data` or a `file`, optionally base64-encoded, and
 * optionally AES-256-CBC encrypted with another secret as the key. Everything
 * is validated and loaded in `add()`, so a bad secret fails at start-up and
 * not at the first client connection.
 */
import { errorMessage } from '../errors';
import { readFileSync } from 'node:fs';
import { decodeBase64Strict } from './base64';
import { createCipher } from './cipher';
import { CryptoError, CryptoErrorCode } from './errors';

export const SECRET_FORMATS = ['raw', 'base64'] as const;
export type SecretFormat = (typeof SECRET_FORMATS)[number];

export interface SecretOptions {
  /** QEMU object id rules: a letter, then letters, digits, `-`, `.`, `_`. */
  readonly id: string;
  /** The value inline (its UTF-8 bytes). Exactly one of `data` / `file`. */
  readonly data?: string;
  /** A file holding the value; its bytes are used exactly (no newline trimming). */
  readonly file?: string;
  /** `raw` (default) or `base64`; with `keyid`, applies to the decrypted plaintext. */
  readonly format?: SecretFormat;
  /** Id of a 32-byte secret: the data is then base64 of AES-256-CBC ciphertext. */
  readonly keyid?: string;
  /** Base64 of the 16-byte CBC initialisation vector; required with `keyid`. */
  readonly iv?: string;
}

const ID_PATTERN = /^[A-Za-z][A-Za-z0-9._-]*$/;
const AES_KEY_BYTES = 32;
const AES_BLOCK_BYTES = 16;

export class SecretStore {
  readonly #secrets = new Map<string, Buffer>();

  /** Validates, reads, decodes and decrypts now; throws CryptoError naming the secret. */
  add(options: SecretOptions): void {
    const { id } = options;
    if (typeof id !== 'string' || !ID_PATTERN.test(id)) {
      throw invalid(
        `secret id ${JSON.stringify(id)} is not valid: it must start with a letter and ` +
          `contain only letters, digits, '-', '.' and '_'`,
      );
    }
    if (this.#secrets.has(id)) throw invalid(`secret '${id}' already exists`);
    const format = options.format ?? 'raw';
    if (!(SECRET_FORMATS as readonly string[]).includes(format)) {
      throw invalid(`secret '${id}': format must be 'raw' or 'base64', got ${JSON.stringify(format)}`);
    }
    if (options.iv !== undefined && options.keyid === undefined) {
      throw invalid(`secret '${id}': 'iv' is given but 'keyid' is not (the iv is only used for decryption)`);
    }

    let value = readInput(id, options);
    if (options.keyid !== undefined) {
      value = this.#decrypt(id, options.keyid, options.iv, value);
    }
    if (format === 'base64') {
      const what =
        options.keyid !== undefined ? 'decrypted data' : options.file !== undefined ? `file '${options.file}'` : 'data';
      value = decodeOrThrow(id, value.toString('latin1'), what);
    }
    this.#secrets.set(id, value);
  }

  has(id: string): boolean {
    return this.#secrets.has(id);
  }

  /** A copy of the secret's bytes (callers may wipe or change it freely). */
  get(id: string): Buffer {
    return Buffer.from(this.#lookup(id));
  }

  /** The secret as text; throws if its bytes are not valid UTF-8. */
  getText(id: string): string {
    const bytes = this.#lookup(id);
    try {
      // ignoreBOM keeps a leading U+FEFF: the text must match the bytes exactly.
      return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    } catch (cause) {
      throw new CryptoError(
        CryptoErrorCode.SECRET_INVALID,
        `secret '${id}' is not valid UTF-8 text (it holds ${bytes.length} bytes of binary data)`,
        { cause },
      );
    }
  }

  getBase64(id: string): string {
    return this.#lookup(id).toString('base64');
  }

  /** Removes the secret and wipes its bytes; false if it did not exist. */
  delete(id: string): boolean {
    const bytes = this.#secrets.get(id);
    if (bytes === undefined) return false;
    bytes.fill(0);
    return this.#secrets.delete(id);
  }

  #lookup(id: string): Buffer {
    const bytes = this.#secrets.get(id);
    if (bytes === undefined) {
      throw new CryptoError(CryptoErrorCode.SECRET_UNKNOWN, `no secret with id '${id}'`);
    }
    return bytes;
  }

  #decrypt(id: string, keyid: string, ivText: string | undefined, input: Buffer): Buffer {
    const key = this.#secrets.get(keyid);
    if (key === undefined) {
      throw new CryptoError(
        CryptoErrorCode.SECRET_UNKNOWN,
        `secret '${id}': key secret '${keyid}' (keyid) does not exist; add it before this secret`,
      );
    }
    if (key.length !== AES_KEY_BYTES) {
      throw invalid(
        `secret '${id}': key secret '${keyid}' is ${key.length} bytes long, ` +
          `but AES-256 needs exactly ${AES_KEY_BYTES} bytes`,
      );
    }
    if (ivText === undefined) {
      throw invalid(`secret '${id}': 'iv' is required when 'keyid' is given`);
    }
    const iv = decodeOrThrow(id, ivText, "'iv'");
    if (iv.length !== AES_BLOCK_BYTES) {
      throw invalid(`secret '${id}': 'iv' is ${iv.length} bytes long, but must be exactly ${AES_BLOCK_BYTES}`);
    }
    // Encrypted data is always base64 text, whatever `format` says (QEMU does the same).
    const ciphertext = decodeOrThrow(id, input.toString('latin1'), 'encrypted data (always base64 with keyid)');
    if (ciphertext.length === 0 || ciphertext.length % AES_BLOCK_BYTES !== 0) {
      throw new CryptoError(
        CryptoErrorCode.SECRET_DECRYPT,
        `secret '${id}': encrypted data is ${ciphertext.length} bytes, not a non-zero multiple ` +
          `of the ${AES_BLOCK_BYTES}-byte AES block (corrupt or truncated data)`,
      );
    }
    try {
      return decryptAes256Cbc(key, iv, ciphertext);
    } catch (cause) {
      throw new CryptoError(
        CryptoErrorCode.SECRET_DECRYPT,
        `secret '${id}': decryption with key '${keyid}' failed: bad padding (wrong key or corrupt data)`,
        { cause },
      );
    }
  }
}

/** AES-256-CBC with PKCS#7 padding, as `openssl enc -aes-256-cbc` writes it; throws on bad padding. */
function decryptAes256Cbc(key: Buffer, iv: Buffer, ciphertext: Buffer): Buffer {
  const cipher = createCipher('aes-256', 'cbc', key);
  cipher.setIv(iv);
  const padded = cipher.decrypt(ciphertext);
  const padding = padded.length === 0 ? 0 : padded.readUInt8(padded.length - 1);
  const valid =
    padding >= 1 && padding <= 16 && padding <= padded.length && padded.subarray(padded.length - padding).every((byte) => byte === padding);
  if (!valid) throw new Error('invalid PKCS#7 padding');
  return padded.subarray(0, padded.length - padding);
}

function readInput(id: string, options: SecretOptions): Buffer {
  const { data, file } = options;
  if (data !== undefined && file !== undefined) {
    throw invalid(`secret '${id}': give either 'data' or 'file', not both`);
  }
  if (data !== undefined) return Buffer.from(data, 'utf8');
  if (file === undefined) throw invalid(`secret '${id}': one of 'data' or 'file' is required`);
  try {
    return readFileSync(file);
  } catch (cause) {
    throw new CryptoError(
      CryptoErrorCode.SECRET_READ,
      `secret '${id}': cannot read file '${file}': ${errorMessage(cause)}`,
      { cause },
    );
  }
}

function decodeOrThrow(id: string, text: string, what: string): Buffer {
  const result = decodeBase64Strict(text);
  if (!result.ok) throw invalid(`secret '${id}': ${what} is not valid base64: ${result.reason}`);
  return result.bytes;
}

function invalid(message: string): CryptoError {
  return new CryptoError(CryptoErrorCode.SECRET_INVALID, message);
}
