/**
 * The base of every error vncd throws on purpose. `code` is stable and meant
 * for programs (`CRYPTO_…`, `IO_…`, `VNC_…`); `message` is meant for people and
 * names the thing that was wrong (the file, the option, the secret, the rule).
 */
export class VncdError<Code extends string = string> extends Error {
  readonly code: Code;

  constructor(code: Code, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  override get name(): string {
    return this.constructor.name;
  }
}

/**
 * The message of anything thrown. `instanceof Error` is not enough: errors made
 * in another realm (Node's own, under jest's vm contexts) fail it.
 */
export function errorMessage(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'message' in error && typeof error.message === 'string') {
    return error.message;
  }
  return String(error);
}
