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
import { mixedImage } from '../helpers/images';
import { ipv4Port } from '../helpers/sockets';

// Each compressed encoding as a real viewer negotiates and decodes it. Lossless
// encodings must give the exact pixels; JPEG is compared with a tolerance.
jest.setTimeout(60_000);

const WIDTH = 320;
const HEIGHT = 200;

describe('compressed encodings with real viewers', () => {
  let server: VncServer;
  let port: number;
  let expected: RgbaImage;
  let negotiated: Promise<ClientInfo>;

  beforeAll(() => requireClients());
  afterEach(() => server.close());

  async function start(options: { encodings?: string[]; lossy?: boolean } = {}): Promise<void> {
    const display = new Display({ width: WIDTH, height: HEIGHT, name: 'encodings' });
    expected = mixedImage(display, 7);
    server = createServer({ display, ...options });
    negotiated = new Promise((resolve) => server.once('disconnected', (info) => resolve(info)));
    port = ipv4Port(await server.listen({ host: '127.0.0.1', port: 0 }));
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
