/**
 * Strict base64 decoding. `Buffer.from(s, 'base64')` silently skips invalid
 * characters and accepts url-safe letters, so a typo in a secret would yield
 * different key bytes instead of an error. This decoder accepts only the
 * standard alphabet with correct padding, and ASCII whitespace between
 * characters (`openssl enc -a` wraps lines at 64 characters and ends with a
 * newline).
 */

export type Base64Result =
  | { readonly ok: true; readonly bytes: Buffer }
  | { readonly ok: false; readonly reason: string };

const ALPHABET = /^[A-Za-z0-9+/]$/;
const WHITESPACE = /^[ \t\r\n\f\v]$/;

export function decodeBase64Strict(text: string): Base64Result {
  let compact = '';
  let padding = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charAt(i);
    if (WHITESPACE.test(ch)) continue;
    if (ch === '=') {
      padding++;
      compact += ch;
      continue;
    }
    if (!ALPHABET.test(ch)) {
      return { ok: false, reason: `invalid character ${describeChar(text, i)} at offset ${i}` };
    }
    if (padding > 0) {
      return { ok: false, reason: `data continues after '=' padding at offset ${i}` };
    }
    compact += ch;
  }
  if (compact.length % 4 !== 0) {
    return {
      ok: false,
      reason: `length ${compact.length} (without whitespace) is not a multiple of 4: missing or extra '=' padding`,
    };
  }
  if (padding > 2) {
    return { ok: false, reason: `too much '=' padding (${padding} characters, at most 2 allowed)` };
  }
  const bytes = Buffer.from(compact, 'base64');
  // Non-zero bits in the last character before '=' would be silently dropped;
  // re-encoding exposes them, so two different texts never give the same key.
  if (bytes.toString('base64') !== compact) {
    return { ok: false, reason: 'non-zero unused bits before the \'=\' padding (not canonical base64)' };
  }
  return { ok: true, bytes };
}

function describeChar(text: string, index: number): string {
  const code = text.codePointAt(index) ?? 0;
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return code >= 0x21 && code <= 0x7e ? `'${String.fromCodePoint(code)}' (${hex})` : hex;
}
