import { rawEncoder } from '../../../src/vnc/encoders/raw';
import { createTranslator } from '../../../src/vnc/framebuffer/translate';
import { BGRX32 } from '../../../src/vnc';
import { NOVNC_FORMAT, NovncScreen } from '../../helpers/novnc-oracle';

describe('Raw encoder, decoded by noVNC', () => {
  it('reproduces the source pixel for pixel, rect by rect', async () => {
    const width = 37;
    const height = 21;
    const data = Buffer.alloc(width * height * 4);
    for (let i = 0; i < data.length; i++) data.writeUInt8((i * 7919) & 255, i);
    const source = { data, stride: width * 4, format: BGRX32, width, height };
    const translator = createTranslator(BGRX32, NOVNC_FORMAT);
    const screen = new NovncScreen(width, height);
    const encoder = rawEncoder.create();
    for (const rect of [{ x: 0, y: 0, w: 37, h: 10 }, { x: 0, y: 10, w: 1, h: 11 }, { x: 1, y: 10, w: 36, h: 11 }]) {
      for (const encoded of await encoder.encode({ source, rect, translator, settings: { lossy: false } })) {
        screen.decode(encoded.rect, encoded.encoding, Buffer.concat(encoded.body));
      }
    }
    const expected = Array.from({ length: width * height }, (_, i) => data.readUInt32LE(i * 4) & 0xffffff);
    expect(screen.rgb()).not.toEqual(new Array(width * height).fill(0));
    expect(screen.rgb()).toEqual(expected);
  });
});
