import { CipherRegistry, createForgeCipherBackend } from '../../../src/crypto';
import { createChannelPair } from '../../../src/io';
import { Display, VncServer, type VncServerOptions } from '../../../src/vnc';
import { TestClient, vncResponse } from '../../helpers/rfb-client';
import { clientMessage } from '../../helpers/rfb-screen';

// Expected bytes are written out by hand from RFC 6143, never produced by the code under test.
const SERVER_VERSION = '524642203030332e3030380a'; // "RFB 003.008\n"
const V33 = Buffer.from('RFB 003.003\n').toString('hex');
const V37 = Buffer.from('RFB 003.007\n').toString('hex');
const V38 = Buffer.from('RFB 003.008\n').toString('hex');
// A 4x2 display in canvas's format, named "test": w, h, pixel format (32 bpp, depth 24, LE,
// true colour, maxima 255, shifts 16/8/0, 3 zero bytes of padding), name length, name.
const SERVER_INIT = '0004 0002' + '20 18 00 01 00ff 00ff 00ff 10 08 00 000000' + '00000004' + '74657374';
// The published VNC auth vector: password "secret", this challenge.
const CHALLENGE = '00112233445566778899aabbccddeeff';
const GOOD_RESPONSE = 'f19b50471f60f42298e5c0147db50e1e';
const BAD_RESPONSE = '00'.repeat(16);

function hex(text: string): string {
  return text.replace(/\s+/g, '');
}

function reason(text: string): string {
  return Buffer.from(text).length.toString(16).padStart(8, '0') + Buffer.from(text).toString('hex');
}

function makeServer(options: Partial<VncServerOptions> = {}): VncServer {
  return new VncServer({
    display: new Display({ width: 4, height: 2, name: 'test' }),
    random: (length) => Buffer.from(CHALLENGE, 'hex').subarray(0, length),
    ...options,
  });
}

type Delivery = 'whole' | 'bytewise' | { splitAt: number };

/**
 * Sends the client's whole side of a handshake as chosen, returns what the server sent and
 * whether it then closed. A session that should be alive proves it by answering an update request.
 */
async function exchange(
  server: VncServer,
  clientHex: string,
  expectedLength: number,
  closes: boolean,
  delivery: Delivery = 'whole',
): Promise<{ sent: string; closed: boolean }> {
  const [serverSide, clientSide] = createChannelPair();
  server.attach(serverSide);
  const client = TestClient.over(clientSide);
  const bytes = Buffer.from(hex(clientHex), 'hex');
  const reading = client.read(expectedLength);
  if (delivery === 'whole') client.write(bytes);
  else if (delivery === 'bytewise') {
    for (const byte of bytes) {
      client.write(Buffer.of(byte));
      await new Promise(setImmediate);
    }
  } else {
    client.write(bytes.subarray(0, delivery.splitAt));
    await new Promise(setImmediate);
    client.write(bytes.subarray(delivery.splitAt));
  }
  const sent = (await reading).toString('hex');
  let closed: boolean;
  if (closes) {
    closed = await client.read(1).then(
      () => false,
      (error: { code?: string }) => error.code === 'IO_EOF' || error.code === 'IO_CLOSED',
    );
  } else {
    client.write(clientMessage.updateRequest(false, 0, 0, 1, 1));
    closed = (await client.readHex(4)) !== '00000001';
  }
  client.close();
  return { sent, closed };
}

interface Case {
  name: string;
  options?: Partial<VncServerOptions>;
  client: string;
  server: string;
  closes: boolean;
}

const cases: Case[] = [
  {
    name: '3.8 None: list, choice, SecurityResult, ServerInit',
    client: V38 + '01' + '01',
    server: SERVER_VERSION + '01 01' + '00000000' + SERVER_INIT,
    closes: false,
  },
  {
    name: '3.7 None: no SecurityResult',
    client: V37 + '01' + '01',
    server: SERVER_VERSION + '01 01' + SERVER_INIT,
    closes: false,
  },
  {
    name: '3.3 None: the server picks the type, no SecurityResult',
    client: V33 + '01',
    server: SERVER_VERSION + '00000001' + SERVER_INIT,
    closes: false,
  },
  {
    name: 'minor 5 behaves as 3.3',
    client: Buffer.from('RFB 003.005\n').toString('hex') + '01',
    server: SERVER_VERSION + '00000001' + SERVER_INIT,
    closes: false,
  },
  {
    name: "Apple's 3.889 behaves as 3.8",
    client: Buffer.from('RFB 003.889\n').toString('hex') + '01' + '01',
    server: SERVER_VERSION + '01 01' + '00000000' + SERVER_INIT,
    closes: false,
  },
  {
    name: '3.8 VNC auth, right password',
    options: { auth: 'vnc', password: 'secret' },
    client: V38 + '02' + GOOD_RESPONSE + '01',
    server: SERVER_VERSION + '01 02' + CHALLENGE + '00000000' + SERVER_INIT,
    closes: false,
  },
  {
    name: '3.3 VNC auth, right password: SecurityResult even in 3.3',
    options: { auth: 'vnc', password: 'secret' },
    client: V33 + GOOD_RESPONSE + '01',
    server: SERVER_VERSION + '00000002' + CHALLENGE + '00000000' + SERVER_INIT,
    closes: false,
  },
  {
    name: 'password longer than 8 characters: only the first 8 count',
    options: { auth: 'vnc', password: 'longpassword' },
    client: V38 + '02' + vncResponse('longpass', Buffer.from(CHALLENGE, 'hex')).toString('hex') + '01',
    server: SERVER_VERSION + '01 02' + CHALLENGE + '00000000' + SERVER_INIT,
    closes: false,
  },
  {
    name: '3.8 VNC auth, wrong password: failure with a reason, no ServerInit',
    options: { auth: 'vnc', password: 'secret' },
    client: V38 + '02' + BAD_RESPONSE,
    server: SERVER_VERSION + '01 02' + CHALLENGE + '00000001' + reason('authentication failed'),
    closes: true,
  },
  {
    name: '3.7 VNC auth, wrong password: failure without a reason',
    options: { auth: 'vnc', password: 'secret' },
    client: V37 + '02' + BAD_RESPONSE,
    server: SERVER_VERSION + '01 02' + CHALLENGE + '00000001',
    closes: true,
  },
  {
    name: '3.3 VNC auth, wrong password',
    options: { auth: 'vnc', password: 'secret' },
    client: V33 + BAD_RESPONSE,
    server: SERVER_VERSION + '00000002' + CHALLENGE + '00000001',
    closes: true,
  },
  {
    name: 'VNC auth with no password set fails closed',
    options: { auth: 'vnc' },
    client: V38 + '02' + GOOD_RESPONSE,
    server: SERVER_VERSION + '01 02' + CHALLENGE + '00000001' + reason('no VNC password is set on the server'),
    closes: true,
  },
  {
    name: 'a type that was not offered is refused',
    options: { auth: 'vnc', password: 'secret' },
    client: V38 + '01',
    server: SERVER_VERSION + '01 02' + '00000001' + reason('security type 1 was not offered'),
    closes: true,
  },
  {
    name: '3.7: a type that was not offered is refused without a reason',
    client: V37 + '02',
    server: SERVER_VERSION + '01 01' + '00000001',
    closes: true,
  },
  {
    name: 'garbage instead of a version: closed, nothing more sent',
    client: Buffer.from('GET / HTTP/1').toString('hex'),
    server: SERVER_VERSION,
    closes: true,
  },
  {
    name: 'RFB 4.0 is refused',
    client: Buffer.from('RFB 004.000\n').toString('hex'),
    server: SERVER_VERSION,
    closes: true,
  },
];

describe('handshake', () => {
  let server: VncServer;
  afterEach(() => server.close());

  describe.each(cases)('$name', ({ options, client, server: expected, closes }) => {
    const expectedLength = hex(expected).length / 2;
    const clientLength = hex(client).length / 2;

    it('gives the exact bytes with the client bytes sent at once', async () => {
      server = makeServer(options);
      expect(await exchange(server, client, expectedLength, closes)).toEqual({ sent: hex(expected), closed: closes });
    });

    it('gives the same bytes with the client bytes one at a time', async () => {
      server = makeServer(options);
      expect(await exchange(server, client, expectedLength, closes, 'bytewise')).toEqual({ sent: hex(expected), closed: closes });
    });

    it('gives the same bytes split at every offset', async () => {
      server = makeServer(options);
      for (let splitAt = 1; splitAt < clientLength; splitAt++) {
        const result = await exchange(server, client, expectedLength, closes, { splitAt });
        expect({ splitAt, ...result }).toEqual({ splitAt, sent: hex(expected), closed: closes });
      }
    });
  });

  it('refuses VNC auth when configured if no cipher backend has DES, and works with only the forge backend', async () => {
    expect(() => makeServer({ auth: 'vnc', password: 'secret', ciphers: new CipherRegistry() })).toThrow(
      /VNC password authentication needs DES-ECB, which none of the cipher backends supports \(none registered\)/,
    );
    const forgeOnly = new CipherRegistry();
    forgeOnly.register(createForgeCipherBackend());
    server = makeServer({ auth: 'vnc', password: 'secret', ciphers: forgeOnly });
    const ok = hex(SERVER_VERSION + '01 02' + CHALLENGE + '00000000' + SERVER_INIT);
    expect(await exchange(server, V38 + '02' + GOOD_RESPONSE + '01', ok.length / 2, false)).toEqual({ sent: ok, closed: false });
  });

  it('refuses a client over the connection limit with a reason, in 3.8 and in 3.3', async () => {
    server = makeServer({ maxConnections: 1 });
    const first = TestClient.connect(server);
    await first.handshakeNone();
    const refusal = reason('too many connections (limit 1)');
    expect(await exchange(server, V38, 12 + 1 + refusal.length / 2, true)).toEqual({
      sent: SERVER_VERSION + '00' + refusal,
      closed: true,
    });
    expect(await exchange(server, V33, 12 + 4 + refusal.length / 2, true)).toEqual({
      sent: SERVER_VERSION + '00000000' + refusal,
      closed: true,
    });
    first.close();
  });

  it('uses a password changed at run time for the next client, and fails every attempt after expiry', async () => {
    server = makeServer({ auth: 'vnc', password: 'old' });
    server.setPassword('secret');
    const ok = hex(SERVER_VERSION + '01 02' + CHALLENGE + '00000000' + SERVER_INIT);
    expect(await exchange(server, V38 + '02' + GOOD_RESPONSE + '01', ok.length / 2, false)).toEqual({ sent: ok, closed: false });
    server.expirePassword('now');
    const expired = hex(SERVER_VERSION + '01 02' + CHALLENGE + '00000001' + reason('the VNC password has expired'));
    expect(await exchange(server, V38 + '02' + GOOD_RESPONSE, expired.length / 2, true)).toEqual({ sent: expired, closed: true });
    server.expirePassword('never');
    expect(await exchange(server, V38 + '02' + GOOD_RESPONSE + '01', ok.length / 2, false)).toEqual({ sent: ok, closed: false });
  });
});
