import { connectChannel } from '../../../src/io';
import { Display, VncServer } from '../../../src/vnc';
import { TestClient } from '../../helpers/rfb-client';
import { ipv4Port } from '../../helpers/sockets';

const CHALLENGE = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
const GOOD_RESPONSE = 'f19b50471f60f42298e5c0147db50e1e'; // password "secret"

describe('authentication limits', () => {
  let server: VncServer;
  let port: number;

  async function start(options: { authTimeoutMs?: number } = {}): Promise<void> {
    server = new VncServer({
      display: new Display({ width: 4, height: 2 }),
      auth: 'vnc',
      password: 'secret',
      random: (length) => CHALLENGE.subarray(0, length),
      ...options,
    });
    port = ipv4Port(await server.listen({ host: '127.0.0.1', port: 0 }));
  }

  afterEach(() => server.close());

  async function attempt(response: string): Promise<Buffer> {
    const client = TestClient.over(await connectChannel({ host: '127.0.0.1', port }));
    try {
      await client.read(12);
      client.write(Buffer.from('RFB 003.008\n'));
      const count = (await client.read(1)).readUInt8(0);
      if (count === 0) return client.read((await client.read(4)).readUInt32BE(0)); // refused: the reason
      await client.read(count);
      client.write('02');
      await client.read(16);
      client.write(response);
      return await client.read(4);
    } finally {
      client.close();
    }
  }

  it('blocks an address after five failed authentications, telling the client why', async () => {
    await start();
    expect((await attempt(GOOD_RESPONSE)).toString('hex')).toBe('00000000');
    for (let i = 0; i < 5; i++) expect((await attempt('00'.repeat(16))).toString('hex')).toBe('00000001');
    expect((await attempt(GOOD_RESPONSE)).toString()).toMatch(/^too many authentication failures from 127\.0\.0\.1; try again in 10 s$/);
  });

  it('drops a client that does not finish authenticating in time', async () => {
    await start({ authTimeoutMs: 200 });
    const reason = new Promise<string>((resolve) => server.once('disconnected', (_, why) => resolve(why)));
    const client = TestClient.over(await connectChannel({ host: '127.0.0.1', port }));
    await client.read(12); // then says nothing
    expect(await reason).toBe('did not finish authenticating within 0.2 s');
    await client.expectClosed();
  });
});
