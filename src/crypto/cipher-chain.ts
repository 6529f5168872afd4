/**
 * The one place that holds cipher state and checks inputs, so backends stay
 * stateless transforms. Chaining follows QEMU/OpenSSL: a CBC or CTR stream
 * split across calls gives the same bytes as one call.
 */
import { errorMessage } from '../errors';
import { addToCounter, asBuffer } from './cipher-block';
import type {
  Cipher,
  CipherAlgorithm,
  CipherBackend,
  CipherDirection,
  CipherMode,
} from './cipher';
import { CryptoError, CryptoErrorCode } from './errors';

export interface ChainedCipherSpec {
  readonly algorithm: CipherAlgorithm;
  readonly mode: CipherMode;
  readonly blockSize: number;
  readonly keyLength: number;
  readonly backend: CipherBackend;
  readonly key: Uint8Array;
}

export class ChainedCipher implements Cipher {
  readonly algorithm: CipherAlgorithm;
  readonly mode: CipherMode;
  readonly backend: string;
  readonly blockSize: number;
  readonly keyLength: number;
  readonly #impl: CipherBackend;
  readonly #key: Buffer;
  /** CBC: the previous ciphertext block; CTR: the next counter block. */
  #iv: Buffer | undefined;

  constructor(spec: ChainedCipherSpec) {
    this.algorithm = spec.algorithm;
    this.mode = spec.mode;
    this.backend = spec.backend.name;
    this.blockSize = spec.blockSize;
    this.keyLength = spec.keyLength;
    this.#impl = spec.backend;
    if (spec.key.length !== spec.keyLength) {
      throw new CryptoError(
        CryptoErrorCode.INVALID_KEY,
        `${spec.algorithm} key must be ${spec.keyLength} bytes, got ${spec.key.length}`,
      );
    }
    // Copied so later changes to the caller's array cannot change the key.
    this.#key = Buffer.from(spec.key);
  }

  setIv(iv: Uint8Array): void {
    if (this.mode === 'ecb') {
      throw new CryptoError(
        CryptoErrorCode.INVALID_IV,
        `${this.#name()} takes no IV (ECB has no chaining)`,
      );
    }
    if (iv.length !== this.blockSize) {
      throw new CryptoError(
        CryptoErrorCode.INVALID_IV,
        `${this.#name()} IV must be ${this.blockSize} bytes (one block), got ${iv.length}`,
      );
    }
    this.#iv = Buffer.from(iv);
  }

  encrypt(data: Uint8Array): Buffer {
    return this.#run('encrypt', data);
  }

  decrypt(data: Uint8Array): Buffer {
    return this.#run('decrypt', data);
  }

  #name(): string {
    return `${this.algorithm}-${this.mode}`;
  }

  #run(direction: CipherDirection, data: Uint8Array): Buffer {
    if (data.length % this.blockSize !== 0) {
      throw new CryptoError(
        CryptoErrorCode.INVALID_LENGTH,
        `${this.#name()} input must be a multiple of the ${this.blockSize}-byte block ` +
          `size (no padding), got ${data.length} bytes`,
      );
    }
    const iv = this.#iv;
    if (this.mode !== 'ecb' && iv === undefined) {
      throw new CryptoError(
        CryptoErrorCode.INVALID_IV,
        `${this.#name()} needs an IV: call setIv() before ${direction}`,
      );
    }
    if (data.length === 0) return Buffer.alloc(0);
    const input = asBuffer(data);
    const blocks = input.length / this.blockSize;
    // Decrypt chains on the input, which the caller may reuse: copy it first.
    const lastInput = Buffer.from(input.subarray(input.length - this.blockSize));
    const output = this.#transform(direction, input, iv);
    if (this.mode === 'cbc') {
      this.#iv =
        direction === 'encrypt'
          ? Buffer.from(output.subarray(output.length - this.blockSize))
          : lastInput;
    } else if (this.mode === 'ctr' && iv !== undefined) {
      this.#iv = addToCounter(iv, blocks);
    }
    return output;
  }

  #transform(direction: CipherDirection, data: Buffer, iv: Buffer | undefined): Buffer {
    const what = `cipher backend "${this.backend}" failed to ${direction} ${this.#name()}`;
    let output: Buffer;
    try {
      output = this.#impl.transform({
        algorithm: this.algorithm,
        mode: this.mode,
        key: this.#key,
        // A copy: a backend must not be able to change our chain state.
        iv: iv === undefined ? undefined : Buffer.from(iv),
        direction,
        data,
      });
    } catch (error) {
      if (error instanceof CryptoError) throw error;
      const reason = errorMessage(error);
      throw new CryptoError(CryptoErrorCode.BACKEND_FAILED, `${what}: ${reason}`, {
        cause: error,
      });
    }
    if (output.length !== data.length) {
      throw new CryptoError(
        CryptoErrorCode.BACKEND_FAILED,
        `${what}: returned ${output.length} bytes for ${data.length} bytes of input`,
      );
    }
    return output;
  }
}
