export { createServer, VncServer } from './server';
export type { ServerInfo, SharePolicy, VncServerEvents, VncServerOptions } from './server';
export type { ClientInfo } from './client-info';
export { Display } from './display';
export type {
  CursorImage,
  DisplayEvents,
  DisplayOptions,
  KeyInput,
  LedState,
  PointerInput,
  PowerAction,
  PowerRequest,
  ResizeRequest,
} from './display';
export { VncError, VncErrorCode } from './errors';
export type { Logger } from './logger';
export type { AuthName } from './auth/security';
export { VENCRYPT_SUBTYPE_NAMES } from './auth/vencrypt';
export type { VencryptSubtypeName } from './auth/vencrypt';
export type { PlainAuthOptions } from './auth/plain';
export type { Rect } from './framebuffer/rect';
export { BGRX32, RGB565, describePixelFormat } from './protocol/pixel-format';
export type { PixelFormat } from './protocol/pixel-format';
export * from './protocol/constants';
export { WEB_DISPLAY_PREFIX, WEB_INDEX_FILES, WEB_NOVNC_PATH, serveWeb } from './web';
export type { ServeWebOptions, VncWebServer } from './web';
