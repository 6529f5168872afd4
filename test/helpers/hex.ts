/**
 * Hex literals for test vectors. Whitespace is ignored so vectors can be laid
 * out as in their source documents; anything else that is not hex throws, so a
 * typo in a vector fails loudly instead of silently shortening it.
 */
export function hex(text: string): Buffer {
  const clean = text.replace(/\s+/g, '');
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(clean)) {
    throw new Error(`not an even-length hex string: ${JSON.stringify(text)}`);
  }
  return Buffer.from(clean, 'hex');
}

export function toHex(data: Uint8Array): string {
  return Buffer.from(data).toString('hex');
}
