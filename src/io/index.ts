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
