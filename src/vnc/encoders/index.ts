import type { EncoderFactory } from './encoder';
import { rawEncoder } from './raw';

export type { EncodedRect, EncodeInput, EncoderFactory, EncodeSettings, RectEncoder } from './encoder';
export { copyRect } from './copyrect';

/** The pixel encodings vncd can produce; a new encoding is one more entry. */
export const encoderFactories: ReadonlyMap<number, EncoderFactory> = new Map([[rawEncoder.encoding, rawEncoder]]);

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
