// The io layer's public face: other layers import from here only.
export { formatAddress, formatListenAddress } from './address';
export type { ListenAddress, SocketAddress } from './address';
export type { Channel, ChannelEvents, ChannelFacts, ChannelLayer, TlsFacts, WebsocketFacts } from './channel';
export { createChannelPair, createDuplexPair } from './channel-pair';
export type { ChannelPairOptions, PairOptions } from './channel-pair';
export { connectChannel, socketChannel } from './channel-socket';
export type { ConnectOptions, SocketChannelOptions } from './channel-socket';
export { DEFAULT_MAX_READ, StreamChannel } from './channel-stream';
export type { StreamChannelOptions } from './channel-stream';
export { IoError, IoErrorCode } from './errors';
export { Listener } from './listener';
export type { ListenOptions, ListenerEvents } from './listener';
export { tlsClientChannel, tlsServerChannel } from './channel-tls';
export type { TlsClientChannelOptions, TlsServerChannelOptions } from './channel-tls';
// Websockets and the web port (static files + upgrades on one port).
export { DEFAULT_WEBSOCKET_MAX_FRAME, splitFrames, websocketChannel } from './websocket-channel';
export type { WebsocketChannelOptions } from './websocket-channel';
export {
  DEFAULT_WEBSOCKET_MAX_FRAGMENTS,
  DEFAULT_WEBSOCKET_MAX_PAYLOAD,
  WEBSOCKET_SUBPROTOCOL,
  WebsocketAcceptor,
  checkUpgrade,
  routePath,
  wantsUpgrade,
} from './websocket-upgrade';
export type { OriginPolicy, UpgradePolicy, UpgradeVerdict, WebsocketAcceptorOptions } from './websocket-upgrade';
export { DEFAULT_MAX_PENDING, WebsocketListener } from './websocket-listener';
export type { WebsocketListenerEvents, WebsocketListenerOptions, WebsocketTlsOptions } from './websocket-listener';
export type { WebRefusal } from './http-connection';
export { DEFAULT_HEAD_TIMEOUT_MS, DEFAULT_MAX_HEAD_BYTES, parseRequestHead, readRequestHead } from './http-head';
export type { HeadLimits, HeadParse, HeadRead, HttpRequest } from './http-head';
export { MIME_TYPES, StaticFiles, contentTypeFor } from './http-static';
export type { StaticFilesOptions, StaticLookup, StaticMount } from './http-static';
