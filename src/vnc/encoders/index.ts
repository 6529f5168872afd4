import type { EncoderFactory } from './encoder';
import { hextileEncoder } from './hextile';
import { rawEncoder } from './raw';
import { rreEncoder } from './rre';
import { tightEncoder } from './tight';
import { tightPngEncoder } from './tight-png';
import { zlibEncoder } from './zlib';
import { zrleEncoder } from './zrle';

export type { EncodedRect, EncodeInput, EncoderFactory, EncodeSettings, RectEncoder } from './encoder';
export { copyRect } from './copyrect';

/** The pixel encodings vncd can produce; a new encoding is one more entry. */
export const encoderFactories: ReadonlyMap<number, EncoderFactory> = new Map([[rawEncoder.encoding, rawEncoder], [rreEncoder.encoding, rreEncoder], [hextileEncoder.encoding, hextileEncoder], [zlibEncoder.encoding, zlibEncoder], [zrleEncoder.encoding, zrleEncoder], [tightEncoder.encoding, tightEncoder], [tightPngEncoder.encoding, tightPngEncoder]]);

/** The first encoding in the client's order of preference that the server may use; Raw when none. */
export function chooseEncoder(
  clientEncodings: readonly number[],
  available: ReadonlyMap<number, EncoderFactory> = encoderFactories,
): EncoderFactory {
  for (const encoding of clientEncodings) {
    const factory = available.get(encoding);
    if (factory) return factory;
  }
  return rawEncoder;
}
