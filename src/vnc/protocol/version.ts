/** The three protocol versions with distinct rules; every other version a client may send maps onto one of them. */
export type RfbVersion = '3.3' | '3.7' | '3.8';

/** What the server announces: the highest version it speaks. */
export const SERVER_VERSION = Buffer.from('RFB 003.008\n', 'latin1');

/**
 * The version a client's 12-byte ProtocolVersion selects, or a reason to refuse it.
 * Minor versions 4–6 (old UltraVNC, some embedded clients) behave as 3.3, and
 * anything above 8 (Apple's 3.889) as 3.8, which is what other servers do.
 */
export function parseClientVersion(bytes: Uint8Array): { version: RfbVersion } | { error: string } {
  const text = Buffer.from(bytes).toString('latin1');
  const match = /^RFB (\d{3})\.(\d{3})\n$/.exec(text);
  if (!match) return { error: `not an RFB protocol version: ${JSON.stringify(text)}` };
  const major = Number(match[1]);
  const minor = Number(match[2]);
  if (major !== 3 || minor < 3) return { error: `unsupported RFB version ${major}.${minor}` };
  if (minor < 7) return { version: '3.3' };
  if (minor === 7) return { version: '3.7' };
  return { version: '3.8' };
}
