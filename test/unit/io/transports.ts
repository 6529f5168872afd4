import type { Channel } from '../../../src/io';
import { createChannelPair, socketChannel } from '../../../src/io';
import { SocketJar, tick } from '../../helpers/sockets';

/**
 * The channel under test plus a raw way to play its peer, for each kind of
 * transport, so one test body checks the pair and real TCP alike.
 */
export interface Rig {
  readonly channel: Channel;
  send(bytes: Uint8Array): void;
  /** The peer ends its sending side. */
  end(): void;
  /** Reads from the peer's side: resolves with everything the channel sent until it ended. */
  drainPeer(): Promise<Buffer>;
  /** Gives bytes sent a moment to arrive as their own chunk. */
  settle(): Promise<void>;
}

export interface Transport {
  readonly name: string;
  open(jar: SocketJar): Promise<Rig>;
}

function collect(source: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const parts: Buffer[] = [];
    source.on('data', (part: Buffer) => parts.push(part));
    source.once('end', () => resolve(Buffer.concat(parts)));
    source.once('error', reject);
  });
}

export const memory: Transport = {
  name: 'memory pair',
  async open(): Promise<Rig> {
    const [channel, peer] = createChannelPair();
    // Play the peer through its channel: that is how the VNC tests will use it.
    return {
      channel,
      send: (bytes) => peer.write(bytes),
      end: () => void peer.shutdown(),
      async drainPeer() {
        const parts: Buffer[] = [];
        for (;;) {
          try {
            parts.push(await peer.read(1));
          } catch {
            return Buffer.concat(parts);
          }
        }
      },
      settle: () => tick(),
    };
  },
};

export const tcp: Transport = {
  name: 'tcp',
  async open(jar: SocketJar): Promise<Rig> {
    const { server, client } = await jar.tcpPair();
    return {
      channel: socketChannel(server),
      send: (bytes) => client.write(bytes),
      end: () => client.end(),
      drainPeer: () => collect(client),
      settle: () => tick(3),
    };
  },
};

export const transports: readonly Transport[] = [memory, tcp];
