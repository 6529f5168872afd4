/**
 * TLS over a channel: take the channel's stream (with the bytes it had read
 * ahead put back), run the handshake with the credentials, and hand back a new
 * channel over the encrypted stream. The caller swaps its channel for the new
 * one and goes on; nothing above sees TLS. Closing the new channel closes the
 * transport under it.
 */
import {
  startTlsClient,
  startTlsServer,
  type TlsClientSessionOptions,
  type TlsCreds,
  type TlsSession,
  type TlsSessionOptions,
} from '../crypto';
import type { Channel, ChannelFacts } from './channel';
import { StreamChannel } from './channel-stream';

export type TlsServerChannelOptions = TlsSessionOptions;
export type TlsClientChannelOptions = TlsClientSessionOptions;

/**
 * The server side: `channel` must be idle (no read pending). Rejects with
 * IoError when the channel cannot be detached, CryptoError (`CRYPTO_TLS_…`)
 * when the handshake or the authz fails; the transport is closed then.
 */
export async function tlsServerChannel(
  channel: Channel,
  creds: TlsCreds,
  options: TlsServerChannelOptions = {},
): Promise<Channel> {
  // Checked before detaching, so a wrong-endpoint mistake leaves the channel usable.
  creds.tlsServerOptions();
  const { facts, maxRead } = channel;
  return wrap(await startTlsServer(channel.detach(), creds, options), facts, maxRead);
}

/** The client side, with client-endpoint credentials. */
export async function tlsClientChannel(
  channel: Channel,
  creds: TlsCreds,
  options: TlsClientChannelOptions = {},
): Promise<Channel> {
  creds.tlsClientOptions();
  const { facts, maxRead } = channel;
  return wrap(await startTlsClient(channel.detach(), creds, options), facts, maxRead);
}

function wrap(session: TlsSession, inner: ChannelFacts, maxRead: number): Channel {
  const { protocol, cipher, peerDn } = session.facts;
  const facts: ChannelFacts = {
    ...inner,
    kind: 'tls',
    layers: [...inner.layers, 'tls'],
    tls: { protocol, cipher, ...(peerDn === undefined ? {} : { peerDn }) },
  };
  return new StreamChannel(session.socket, facts, { maxRead });
}
