import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { Display } from '../src/vnc';
import { OptionError } from './qemu-opts';

/** Something that fills a Display and keeps it alive; `stop` ends its timers. */
export interface RunningSource {
  readonly display: Display;
  stop(): void;
}

/**
 * `--source` values: `pattern[:WxH]` (built in, no dependencies), `image:FILE.png`
 * (a still picture, exact pixels) and `demo` (the interactive demo desktop, which
 * needs the optional `canvas` package).
 */
export async function openSource(spec: string, name: string | undefined): Promise<RunningSource> {
  if (spec === 'demo') {
    const demo = await import('../demo/desktop.js').catch((error: unknown) => {
      throw new OptionError(
        `--source demo needs the optional 'canvas' package (npm install canvas): ${error instanceof Error ? error.message : String(error)}`,
      );
    });
    return demo.startDemoDesktop(name === undefined ? {} : { name });
  }
  if (spec.startsWith('image:')) return still(imageDisplay(spec.slice('image:'.length), name ?? 'vncd'));
  const pattern = /^pattern(?::(\d+)x(\d+))?$/.exec(spec);
  if (pattern) return still(patternDisplay(Number(pattern[1] ?? 1024), Number(pattern[2] ?? 768), name ?? 'vncd'));
  throw new OptionError(`--source must be pattern[:WxH], image:FILE.png or demo, not '${spec}'`);
}

function still(display: Display): RunningSource {
  return { display, stop: () => undefined };
}

/** A PNG's pixels, exactly, as 32 bpp BGRX. */
function imageDisplay(file: string, name: string): Display {
  let png: PNG;
  try {
    png = PNG.sync.read(readFileSync(file));
  } catch (error) {
    throw new OptionError(`--source image:${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const display = new Display({ width: png.width, height: png.height, name });
  const out = display.buffer;
  for (let i = 0; i < png.width * png.height; i++) {
    out.writeUInt32LE(
      (png.data.readUInt8(i * 4) << 16) | (png.data.readUInt8(i * 4 + 1) << 8) | png.data.readUInt8(i * 4 + 2),
      i * 4,
    );
  }
  return display;
}

/** Colour bars over a grey ramp and a grid: every channel at several levels, sharp edges, smooth gradients. */
function patternDisplay(width: number, height: number, name: string): Display {
  const display = new Display({ width, height, name });
  const bars = [0xffffff, 0xffff00, 0x00ffff, 0x00ff00, 0xff00ff, 0xff0000, 0x0000ff, 0x000000];
  const out = display.buffer;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let rgb: number;
      if (x % 64 === 0 || y % 64 === 0) rgb = 0x808080;
      else if (y < height / 2) rgb = bars[Math.floor((x * bars.length) / width)] ?? 0;
      else {
        const level = Math.round((x * 255) / Math.max(width - 1, 1));
        rgb = (level << 16) | (level << 8) | level;
      }
      out.writeUInt32LE(rgb, (y * width + x) * 4);
    }
  }
  return display;
}
