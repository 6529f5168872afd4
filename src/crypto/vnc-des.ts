/**
 * The DES step of VNC authentication (RFB 3.8 §7.2.2). The server sends a
 * 16-byte challenge; the client returns it DES-ECB encrypted with the
 * password as key. The key is the password truncated or zero-padded to 8
 * bytes with each byte's bits mirrored (bit 0 ↔ bit 7): a quirk of the DES
 * code the original RFB implementation used. The mirroring stays here, not in
 * the cipher layer, because it is VNC's convention and not part of DES.
 */
import { type CipherRegistry, defaultCipherRegistry } from './cipher';
import { CryptoError, CryptoErrorCode } from './errors';

export const VNC_AUTH_KEY_LENGTH = 8;
export const VNC_AUTH_CHALLENGE_LENGTH = 16;

export interface VncAuthOptions {
  /** Defaults to the process-wide cipher registry. */
  readonly registry?: CipherRegistry;
  /** A backend name, as for `createCipher`. */
  readonly backend?: string;
}

function mirrorBits(byte: number): number {
  let out = 0;
  for (let bit = 0; bit < 8; bit++) {
    if ((byte & (1 << bit)) !== 0) out |= 0x80 >> bit;
  }
  return out;
}

/**
 * The DES key for a VNC password. Strings are encoded as UTF-8 (what
 * TigerVNC's vncpasswd stores), then cut to 8 bytes, which may split a
 * multi-byte character: VNC only ever compares these bytes. Pass bytes to
 * use another encoding (e.g. latin1 for old servers that stored one byte per
 * character). Characters past the 8th byte are ignored, as in every VNC.
 */
export function vncAuthKey(password: string | Uint8Array): Buffer {
  const bytes = typeof password === 'string' ? Buffer.from(password, 'utf8') : password;
  const key = Buffer.alloc(VNC_AUTH_KEY_LENGTH);
  for (let i = 0; i < Math.min(bytes.length, VNC_AUTH_KEY_LENGTH); i++) {
    key[i] = mirrorBits(bytes[i] ?? 0);
  }
  return key;
}

/** The 16-byte response a client sends for `challenge` (and a server expects). */
export function vncAuthResponse(
  password: string | Uint8Array,
  challenge: Uint8Array,
  options: VncAuthOptions = {},
): Buffer {
  if (challenge.length !== VNC_AUTH_CHALLENGE_LENGTH) {
    throw new CryptoError(
      CryptoErrorCode.INVALID_LENGTH,
      `VNC auth challenge must be ${VNC_AUTH_CHALLENGE_LENGTH} bytes, got ${challenge.length}`,
    );
  }
  const registry = options.registry ?? defaultCipherRegistry();
  const cipherOptions = options.backend === undefined ? {} : { backend: options.backend };
  return registry.create('des', 'ecb', vncAuthKey(password), cipherOptions).encrypt(challenge);
}
