import type { Rect } from '../framebuffer/rect';
import type { Translator } from '../framebuffer/translate';
import { Encoding } from '../protocol/constants';
import { ClientPixelReader } from './colours';
import type { EncodedRect, EncodeInput, EncoderFactory, RectEncoder } from './encoder';
import { lengthPrefix, OwnedZlibStream, zlibLevel } from './zlib';
import { cpixelLayout } from './zrle-cpixel';
import { ZRLE_TILE_SIZE, ZrleTileWriter } from './zrle-tile';

/**
 * ZRLE (16): the rectangle as 64×64 tiles, left to right and top to bottom, each
 * in its smallest subencoding, all through one zlib stream per client.
 */
class ZrleRectEncoder implements RectEncoder {
  private readonly stream = new OwnedZlibStream();
  private readonly tiles = new ZrleTileWriter();
  private translator: Translator | undefined;
  // Reused between rectangles (zlib has consumed `out` once `compress` resolves).
  private pixels = new ClientPixelReader();
  private out = new Uint8Array(0);
  private busy = false;

  async encode({ source, rect, translator, settings }: EncodeInput): Promise<EncodedRect[]> {
    // Everything up to the compression runs now, so the source is read before any await.
    const level = zlibLevel(settings);
    if (this.busy) {
      // A call overlapping another (against the contract) must not reuse buffers zlib still reads.
      return this.send(rect, new ZrleRectEncoder().tileData(source, rect, translator), level);
    }
    this.busy = true;
    try {
      return await this.send(rect, this.tileData(source, rect, translator), level);
    } finally {
      this.busy = false;
    }
  }

  dispose(): void {
    this.stream.dispose();
    this.pixels = new ClientPixelReader();
    this.out = new Uint8Array(0);
  }

  private async send(rect: Rect, data: Uint8Array, level: number): Promise<EncodedRect[]> {
    const compressed = await this.stream.compress(data, level);
    return [{ rect, encoding: Encoding.ZRLE, body: [lengthPrefix(compressed.length), compressed] }];
  }

  /** The uncompressed ZRLE data of the rectangle. */
  private tileData(source: EncodeInput['source'], rect: Rect, translator: Translator): Uint8Array {
    if (translator !== this.translator) {
      this.tiles.setLayout(cpixelLayout(translator.to));
      this.translator = translator;
    }
    const { w, h } = rect;
    // One 32-bit value per client pixel, whatever its size, so one tile loop serves every format.
    const pixels = this.pixels.read(translator, source, rect).values;
    const tilesAcross = Math.ceil(w / ZRLE_TILE_SIZE);
    const tilesDown = Math.ceil(h / ZRLE_TILE_SIZE);
    // No tile is larger than its subencoding byte plus its raw CPIXELs.
    const capacity = tilesAcross * tilesDown + w * h * this.tiles.cpixelBytes;
    if (this.out.length < capacity) this.out = new Uint8Array(capacity);
    const out = this.out;
    let o = 0;
    for (let ty = 0; ty < h; ty += ZRLE_TILE_SIZE) {
      const th = Math.min(ZRLE_TILE_SIZE, h - ty);
      for (let tx = 0; tx < w; tx += ZRLE_TILE_SIZE) {
        o = this.tiles.write(pixels, ty * w + tx, w, Math.min(ZRLE_TILE_SIZE, w - tx), th, out, o);
      }
    }
    return out.subarray(0, o);
  }
}

export const zrleEncoder: EncoderFactory = {
  encoding: Encoding.ZRLE,
  name: 'zrle',
  create: () => new ZrleRectEncoder(),
};
