import { createServer, Display, type VncServer } from '../../src/vnc';
import { captureWithGvnccapture, captureWithTigerVnc, compareImages, identical, requireClients, type RgbaImage } from '../helpers/clients';
import { knownImage } from '../helpers/images';
import { ipv4Port } from '../helpers/sockets';

// Real third-party viewers against vncd, pixels compared exactly. Each client runs
// as a separate process (TigerVNC in its own Xvfb), so allow generous time.
jest.setTimeout(60_000);

const WIDTH = 160;
const HEIGHT = 100;

describe('real VNC clients see the exact pixels', () => {
  let server: VncServer;
  let port: number;
  let expected: RgbaImage;

  beforeAll(() => requireClients());

  async function start(auth: 'none' | 'vnc'): Promise<void> {
    const display = new Display({ width: WIDTH, height: HEIGHT, name: 'known image' });
    expected = knownImage(display, 12345);
    server = createServer({ display, auth, ...(auth === 'vnc' && { password: 'sesame' }) });
    port = ipv4Port(await server.listen({ host: '127.0.0.1', port: 0 }));
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
