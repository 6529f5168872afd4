/**
 * Block ciphers: the algorithm table, the backend contract, and the registry
 * that picks a backend. Semantics follow QEMU's qcrypto cipher: no padding,
 * whole blocks only, CBC/CTR chain across calls (see cipher-chain.ts).
 */
import { ChainedCipher } from './cipher-chain';
import { createForgeCipherBackend } from './cipher-forge';
import { createNodeCipherBackend } from './cipher-node';
import { CryptoError, CryptoErrorCode } from './errors';

/** Block and key sizes in bytes. DES keys are 8 bytes; parity bits are ignored. */
export const CIPHER_ALGORITHMS = {
  'aes-128': { blockSize: 16, keyLength: 16 },
  'aes-192': { blockSize: 16, keyLength: 24 },
  'aes-256': { blockSize: 16, keyLength: 32 },
  des: { blockSize: 8, keyLength: 8 },
} as const;
export type CipherAlgorithm = keyof typeof CIPHER_ALGORITHMS;

export const CIPHER_MODES = ['ecb', 'cbc', 'ctr'] as const;
export type CipherMode = (typeof CIPHER_MODES)[number];

export type CipherDirection = 'encrypt' | 'decrypt';

export function isCipherAlgorithm(name: string): name is CipherAlgorithm {
  return Object.prototype.hasOwnProperty.call(CIPHER_ALGORITHMS, name);
}

export function isCipherMode(name: string): name is CipherMode {
  return (CIPHER_MODES as readonly string[]).includes(name);
}

/**
 * One stateless transform. The core has already checked everything: `key` has
 * the algorithm's length, `iv` is one block (undefined exactly for ECB) and
 * `data` is a whole number of blocks. The backend returns `data.length` bytes
 * and neither keeps nor mutates its inputs.
 */
export interface CipherRequest {
  readonly algorithm: CipherAlgorithm;
  readonly mode: CipherMode;
  readonly key: Buffer;
  readonly iv: Buffer | undefined;
  readonly direction: CipherDirection;
  readonly data: Buffer;
}

/** A provider of raw transforms. Chaining state and validation live in the core. */
export interface CipherBackend {
  readonly name: string;
  supports(algorithm: CipherAlgorithm, mode: CipherMode): boolean;
  transform(request: CipherRequest): Buffer;
}

export interface Cipher {
  readonly algorithm: CipherAlgorithm;
  readonly mode: CipherMode;
  /** Name of the backend doing the work. */
  readonly backend: string;
  readonly blockSize: number;
  readonly keyLength: number;
  /** Sets (or resets) the chain; exactly one block. ECB takes no IV. */
  setIv(iv: Uint8Array): void;
  encrypt(data: Uint8Array): Buffer;
  decrypt(data: Uint8Array): Buffer;
}

export interface CipherOptions {
  /** Use exactly this backend (no fallback). */
  readonly backend?: string;
}

/** Names the preferred backend when no `backend` option is given; read per cipher. */
export const CIPHER_BACKEND_ENV = 'VNCD_CIPHER_BACKEND';

export class CipherRegistry {
  readonly #backends: CipherBackend[] = [];

  /** `backends` in priority order. */
  constructor(backends: readonly CipherBackend[] = []) {
    for (const backend of backends) this.register(backend);
  }

  /** Adds a backend, last in priority unless `first`. Names are unique. */
  register(backend: CipherBackend, options: { readonly first?: boolean } = {}): void {
    if (backend.name === '' || this.#find(backend.name) !== undefined) {
      throw new CryptoError(
        CryptoErrorCode.DUPLICATE_BACKEND,
        backend.name === ''
          ? 'a cipher backend needs a non-empty name'
          : `a cipher backend named "${backend.name}" is already registered`,
      );
    }
    if (options.first === true) this.#backends.unshift(backend);
    else this.#backends.push(backend);
  }

  /** Backend names in priority order. */
  backends(): readonly string[] {
    return this.#backends.map((b) => b.name);
  }

  /** Takes plain strings so user input can be asked about: never throws. */
  supports(algorithm: string, mode: string, options: CipherOptions = {}): boolean {
    if (!isCipherAlgorithm(algorithm) || !isCipherMode(mode)) return false;
    const candidates: readonly (CipherBackend | undefined)[] =
      options.backend === undefined ? this.#backends : [this.#find(options.backend)];
    return candidates.some((b) => b !== undefined && b.supports(algorithm, mode));
  }

  /**
   * A cipher from the named backend, else from the one `VNCD_CIPHER_BACKEND`
   * prefers (falling back to the others), else the first that supports the pair.
   */
  create(
    algorithm: CipherAlgorithm,
    mode: CipherMode,
    key: Uint8Array,
    options: CipherOptions = {},
  ): Cipher {
    // Checked at run time too: JavaScript callers and casts reach here.
    if (!isCipherAlgorithm(algorithm) || !isCipherMode(mode)) {
      throw new CryptoError(
        CryptoErrorCode.UNSUPPORTED,
        `cipher ${String(algorithm)}-${String(mode)} is unknown (algorithms: ` +
          `${Object.keys(CIPHER_ALGORITHMS).join(', ')}; modes: ${CIPHER_MODES.join(', ')})`,
      );
    }
    const backend = this.#choose(algorithm, mode, options.backend);
    const { blockSize, keyLength } = CIPHER_ALGORITHMS[algorithm];
    return new ChainedCipher({ algorithm, mode, blockSize, keyLength, backend, key });
  }

  #find(name: string): CipherBackend | undefined {
    return this.#backends.find((b) => b.name === name);
  }

  #named(name: string, origin: string): CipherBackend {
    const backend = this.#find(name);
    if (backend === undefined) {
      throw new CryptoError(
        CryptoErrorCode.UNKNOWN_BACKEND,
        `unknown cipher backend "${name}" (${origin}); registered: ` +
          `${this.backends().join(', ') || 'none'}`,
      );
    }
    return backend;
  }

  #choose(algorithm: CipherAlgorithm, mode: CipherMode, wanted?: string): CipherBackend {
    const pair = `${algorithm}-${mode}`;
    if (wanted !== undefined) {
      const backend = this.#named(wanted, 'from the backend option');
      if (backend.supports(algorithm, mode)) return backend;
      throw new CryptoError(
        CryptoErrorCode.UNSUPPORTED,
        `${pair} is not supported by cipher backend "${wanted}"`,
      );
    }
    const preferred = process.env[CIPHER_BACKEND_ENV];
    let order = this.#backends;
    if (preferred !== undefined && preferred !== '') {
      const first = this.#named(preferred, `from ${CIPHER_BACKEND_ENV}`);
      order = [first, ...this.#backends.filter((b) => b !== first)];
    }
    const backend = order.find((b) => b.supports(algorithm, mode));
    if (backend !== undefined) return backend;
    throw new CryptoError(
      CryptoErrorCode.UNSUPPORTED,
      `${pair} is not supported by any cipher backend (tried: ` +
        `${order.map((b) => b.name).join(', ') || 'none registered'})`,
    );
  }
}

/** The process-wide registry (the one allowed module-level instance): node, then forge. */
const defaultRegistry = new CipherRegistry([createNodeCipherBackend(), createForgeCipherBackend()]);

export function defaultCipherRegistry(): CipherRegistry {
  return defaultRegistry;
}

export function cipherSupports(algorithm: string, mode: string, options?: CipherOptions): boolean {
  return defaultRegistry.supports(algorithm, mode, options);
}

export function createCipher(
  algorithm: CipherAlgorithm,
  mode: CipherMode,
  key: Uint8Array,
  options?: CipherOptions,
): Cipher {
  return defaultRegistry.create(algorithm, mode, key, options);
}

export function registerCipherBackend(
  backend: CipherBackend,
  options?: { readonly first?: boolean },
): void {
  defaultRegistry.register(backend, options);
}
