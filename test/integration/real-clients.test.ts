import { createServer, Display, type VncServer } from '../../src/vnc';
import {
  captureWithGvnccapture,
  captureWithTigerVnc,
  compareImages,
  identical,
  requireClients,
  type RgbaImage,
} from '../helpers/clients';

// Real third-party viewers against vncd, pixels compared exactly. Each client runs
// as a separate process (TigerVNC in its own Xvfb), so allow generous time.
jest.setTimeout(60_000);

const WIDTH = 160;
const HEIGHT = 100;

/** A picture with sharp edges, every channel at many levels, and noise: nothing a decoder could fake. */
function knownImage(): { display: Display; expected: RgbaImage } {
  const display = new Display({ width: WIDTH, height: HEIGHT, name: 'known image' });
  const rgba = Buffer.alloc(WIDTH * HEIGHT * 4);
  let noise = 12345;
  for (let y = 0; y < HEIGHT; y++) {
    for (let x = 0; x < WIDTH; x++) {
      noise = (noise * 1103515245 + 12345) >>> 0;
      const r = y < 50 ? (x * 255) / (WIDTH - 1) : noise >>> 24;
      const g = y < 50 ? (y * 255) / 49 : (noise >>> 16) & 255;
      const b = (x ^ y) & 255;
      const i = y * WIDTH + x;
      display.buffer.writeUInt32LE((Math.round(r) << 16) | (Math.round(g) << 8) | b, i * 4);
      rgba.set([Math.round(r), Math.round(g), b, 255], i * 4);
    }
  }
  return { display, expected: { width: WIDTH, height: HEIGHT, rgba } };
}

describe('real VNC clients see the exact pixels', () => {
  let server: VncServer;
  let port: number;
  let expected: RgbaImage;

  beforeAll(() => requireClients());

  async function start(auth: 'none' | 'vnc'): Promise<void> {
    const image = knownImage();
    expected = image.expected;
    server = createServer({ display: image.display, auth, ...(auth === 'vnc' && { password: 'sesame' }) });
    const [bound] = await server.listen({ host: '127.0.0.1', port: 0 });
    if (bound?.family !== 'ipv4') throw new Error('expected an IPv4 listener');
    port = bound.port;
  }

  afterEach(() => server.close());

  describe.each(['none', 'vnc'] as const)('security %s', (auth) => {
    const password = auth === 'vnc' ? { password: 'sesame' } : {};

    it('gvnccapture', async () => {
      await start(auth);
      const capture = await captureWithGvnccapture({ host: '127.0.0.1', port, ...password });
      expect(capture.securityType).toBe(auth === 'vnc' ? 2 : 1);
      expect(compareImages(expected, capture).summary).toBe(identical(expected));
    });

    it('TigerVNC vncviewer', async () => {
      await start(auth);
      const capture = await captureWithTigerVnc({
        host: '127.0.0.1',
        port,
        security: auth === 'vnc' ? 'VncAuth' : 'None',
        ...password,
        expected,
      });
      expect(capture.securityType).toBe(auth === 'vnc' ? 2 : 1);
      expect(capture.diff?.summary).toBe(identical(expected));
    });
  });

  it('refuses a wrong password, to both clients', async () => {
    await start('vnc');
    await expect(captureWithGvnccapture({ host: '127.0.0.1', port, password: 'wrong' })).rejects.toMatchObject({
      failure: 'auth-failed',
    });
    await expect(
      captureWithTigerVnc({ host: '127.0.0.1', port, security: 'VncAuth', password: 'wrong', expected }),
    ).rejects.toMatchObject({ failure: 'auth-failed' });
  });
});
