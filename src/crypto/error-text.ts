/**
 * The message of anything thrown. `instanceof Error` is not enough: errors
 * from Node's fs made in another realm (jest's vm contexts do this) fail it.
 */
export function errorText(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'message' in error && typeof error.message === 'string') {
    return error.message;
  }
  return String(error);
}
