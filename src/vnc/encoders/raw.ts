import { Encoding } from '../protocol/constants';
import type { EncoderFactory } from './encoder';

/** Raw (0): the pixels in the client's format, row after row. Every client supports it. */
export const rawEncoder: EncoderFactory = {
  encoding: Encoding.RAW,
  name: 'raw',
  create: () => ({
    encode: ({ source, rect, translator }) => [
      { rect, encoding: Encoding.RAW, body: [translator.translate(source, rect)] },
    ],
  }),
};
