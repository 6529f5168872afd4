import type { EncoderFactory } from './encoder';
import { rawEncoder } from './raw';

export type { EncodedRect, EncodeInput, EncoderFactory, EncodeSettings, RectEncoder } from './encoder';
export { copyRect } from './copyrect';

/** The pixel encodings vncd can produce; a new encoding is one more entry. */
export const encoderFactories: ReadonlyMap<number, EncoderFactory> = new Map([[rawEncoder.encoding, rawEncoder]]);

/** The first encoding in the client's order of preference that vncd has; Raw when none. */
export function chooseEncoder(clientEncodings: readonly number[]): EncoderFactory {
  for (const encoding of clientEncodings) {
    const factory = encoderFactories.get(encoding);
    if (factory) return factory;
  }
  return rawEncoder;
}
