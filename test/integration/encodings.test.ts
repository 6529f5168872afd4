import { createServer, Display, type ClientInfo, type VncServer } from '../../src/vnc';
import {
  captureWithGvnccapture,
  captureWithTigerVnc,
  compareImages,
  cropImage,
  identical,
  meanAbsoluteError,
  requireClients,
  type RgbaImage,
} from '../helpers/clients';

// Each compressed encoding as a real viewer negotiates and decodes it. Lossless
// encodings must give the exact pixels; JPEG is compared with a tolerance.
jest.setTimeout(60_000);

const WIDTH = 320;
const HEIGHT = 200;

/**
 * Flat blocks (fills, solid tiles), two-colour text-like glyphs (mono palettes),
 * a few-colour band (palettes) and a smooth noisy "photo" (raw/basic/JPEG), with
 * edges that are not tile-aligned.
 */
function mixedImage(): { display: Display; expected: RgbaImage } {
  const display = new Display({ width: WIDTH, height: HEIGHT, name: 'encodings' });
  const rgba = Buffer.alloc(WIDTH * HEIGHT * 4);
  let noise = 7;
  for (let y = 0; y < HEIGHT; y++) {
    for (let x = 0; x < WIDTH; x++) {
      noise = (noise * 1103515245 + 12345) >>> 0;
      let rgb: number;
      if (y < 70) rgb = x < 100 ? 0x1d3557 : x < 213 ? 0xe63946 : 0xf1faee;
      else if (y < 130) rgb = ((x >> 2) + (y >> 3)) % 3 === 0 && x % 7 !== 0 ? 0x000000 : 0xffffff;
      else if (y < 150) rgb = [0x264653, 0x2a9d8f, 0xe9c46a, 0xf4a261, 0xe76f51][(x >> 4) % 5] ?? 0;
      else {
        const r = (x * 255) / WIDTH + ((noise >>> 28) - 8);
        const g = ((y - 150) * 255) / 50 + ((noise >>> 24) & 15) - 8;
        const clamp = (v: number): number => Math.max(0, Math.min(255, Math.round(v)));
        rgb = (clamp(r) << 16) | (clamp(g) << 8) | 128;
      }
      display.buffer.writeUInt32LE(rgb, (y * WIDTH + x) * 4);
      rgba.set([rgb >> 16, (rgb >> 8) & 255, rgb & 255, 255], (y * WIDTH + x) * 4);
    }
  }
  return { display, expected: { width: WIDTH, height: HEIGHT, rgba } };
}

describe('compressed encodings with real viewers', () => {
  let server: VncServer;
  let port: number;
  let expected: RgbaImage;
  let negotiated: Promise<ClientInfo>;

  beforeAll(() => requireClients());
  afterEach(() => server.close());

  async function start(options: { encodings?: string[]; lossy?: boolean } = {}): Promise<void> {
    const image = mixedImage();
    expected = image.expected;
    server = createServer({ display: image.display, ...options });
    negotiated = new Promise((resolve) => server.once('disconnected', (info) => resolve(info)));
    const [bound] = await server.listen({ host: '127.0.0.1', port: 0 });
    if (bound?.family !== 'ipv4') throw new Error('expected an IPv4 listener');
    port = bound.port;
  }

  it.each(['hextile', 'zrle', 'rre'])('gvnccapture decodes %s exactly', async (encoding) => {
    await start({ encodings: [encoding] });
    const capture = await captureWithGvnccapture({ host: '127.0.0.1', port });
    expect(compareImages(expected, capture).summary).toBe(identical(expected));
    expect((await negotiated).encoding).toBe(encoding);
  });

  it.each([
    ['Hextile', 'hextile'],
    ['ZRLE', 'zrle'],
    ['Tight', 'tight'],
  ])('TigerVNC decodes %s exactly', async (preferred, encoding) => {
    await start();
    const capture = await captureWithTigerVnc({
      host: '127.0.0.1',
      port,
      security: 'None',
      expected,
      extraArgs: ['-AutoSelect=0', '-FullColor=1', '-NoJPEG=1', `-PreferredEncoding=${preferred}`],
    });
    expect(capture.diff?.summary).toBe(identical(expected));
    expect((await negotiated).encoding).toBe(encoding);
  });

  it('TigerVNC decodes Tight with JPEG when the server allows lossy output', async () => {
    await start({ lossy: true });
    const capture = await captureWithTigerVnc({
      host: '127.0.0.1',
      port,
      security: 'None',
      settleMs: 1500,
      extraArgs: ['-AutoSelect=0', '-FullColor=1', '-QualityLevel=8', '-PreferredEncoding=Tight'],
    });
    // Below TigerVNC's "Press F8" hint (shown over the middle of the window for a few
    // seconds): close to the source, but not equal, so JPEG really was used.
    const below = (image: RgbaImage): RgbaImage => cropImage(image, 0, 100, WIDTH, HEIGHT - 100);
    expect(meanAbsoluteError(below(expected), below(capture))).toBeLessThan(4);
    expect(compareImages(below(expected), below(capture)).equal).toBe(false);
    const info = await negotiated;
    expect(info.encoding).toBe('tight');
    expect(info.encodings).toContain(-32 + 8); // the quality level it asked for
  });
});
