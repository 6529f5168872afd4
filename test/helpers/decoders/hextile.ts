/**
 * A strict Hextile (5) decoder written from RFC 6143 §7.7.4, for any client
 * pixel format. Stricter than real clients where the spec leaves a value
 * undefined: it refuses a tile that relies on a background or foreground not
 * specified earlier in the same rectangle, or lost after a Raw tile, or a
 * foreground after a SubrectsColoured tile (clients disagree on what it is then).
 */
import { BodyReader, type DecodeRect, type ValueScreen } from './rre';

const RAW = 1;
const BACKGROUND = 2;
const FOREGROUND = 4;
const ANY_SUBRECTS = 8;
const COLOURED = 16;

/** Decodes one rectangle; returns each tile's subencoding byte, in tile order. */
export function decodeHextile(screen: ValueScreen, rect: DecodeRect, body: Uint8Array): number[] {
  const reader = new BodyReader(body, screen);
  const subencodings: number[] = [];
  let bg: number | undefined;
  let fg: number | undefined;
  for (let ty = rect.y; ty < rect.y + rect.h; ty += 16) {
    const th = Math.min(16, rect.y + rect.h - ty);
    for (let tx = rect.x; tx < rect.x + rect.w; tx += 16) {
      const tw = Math.min(16, rect.x + rect.w - tx);
      const tile = { x: tx, y: ty, w: tw, h: th };
      const sub = reader.u8();
      subencodings.push(sub);
      if (sub > 31) throw new Error(`subencoding ${sub} has unknown bits`);
      if (sub & RAW) {
        for (let row = 0; row < th; row++) {
          for (let col = 0; col < tw; col++) screen.fill(tx + col, ty + row, 1, 1, reader.pixel(), tile);
        }
        bg = undefined;
        fg = undefined;
        continue;
      }
      if (sub & BACKGROUND) bg = reader.pixel();
      if (sub & FOREGROUND) fg = reader.pixel();
      if (bg === undefined) throw new Error(`tile ${tw}x${th}+${tx}+${ty} has no background`);
      screen.fill(tx, ty, tw, th, bg, tile);
      if (!(sub & ANY_SUBRECTS)) continue;
      const count = reader.u8();
      for (let k = 0; k < count; k++) {
        let colour: number;
        if (sub & COLOURED) {
          colour = reader.pixel();
        } else {
          if (fg === undefined) throw new Error(`tile ${tw}x${th}+${tx}+${ty} uses an undefined foreground`);
          colour = fg;
        }
        const xy = reader.u8();
        const wh = reader.u8();
        screen.fill(tx + (xy >> 4), ty + (xy & 15), (wh >> 4) + 1, (wh & 15) + 1, colour, tile);
      }
      if (sub & COLOURED) fg = undefined;
    }
  }
  reader.end();
  return subencodings;
}
