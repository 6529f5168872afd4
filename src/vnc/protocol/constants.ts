/**
 * RFB protocol numbers (RFC 6143 and the community extensions registered in
 * the rfbproto document). Tables `as const` so each gives both values and a union type.
 */

export const SecurityType = {
  INVALID: 0,
  NONE: 1,
  VNC_AUTH: 2,
  TIGHT: 16,
  TLS: 18,
  VENCRYPT: 19,
  SASL: 20,
} as const;
export type SecurityType = (typeof SecurityType)[keyof typeof SecurityType];

export const VencryptSubtype = {
  PLAIN: 256,
  TLS_NONE: 257,
  TLS_VNC: 258,
  TLS_PLAIN: 259,
  X509_NONE: 260,
  X509_VNC: 261,
  X509_PLAIN: 262,
  TLS_SASL: 263,
  X509_SASL: 264,
} as const;
export type VencryptSubtype = (typeof VencryptSubtype)[keyof typeof VencryptSubtype];

export const ClientMessageType = {
  SET_PIXEL_FORMAT: 0,
  SET_ENCODINGS: 2,
  FRAMEBUFFER_UPDATE_REQUEST: 3,
  KEY_EVENT: 4,
  POINTER_EVENT: 5,
  CLIENT_CUT_TEXT: 6,
  ENABLE_CONTINUOUS_UPDATES: 150,
  FENCE: 248,
  SET_DESKTOP_SIZE: 251,
  QEMU: 255,
} as const;
export type ClientMessageType = (typeof ClientMessageType)[keyof typeof ClientMessageType];

export const ServerMessageType = {
  FRAMEBUFFER_UPDATE: 0,
  SET_COLOUR_MAP_ENTRIES: 1,
  BELL: 2,
  SERVER_CUT_TEXT: 3,
  END_OF_CONTINUOUS_UPDATES: 150,
  FENCE: 248,
  QEMU: 255,
} as const;
export type ServerMessageType = (typeof ServerMessageType)[keyof typeof ServerMessageType];

/** Encodings and pseudo-encodings, as the signed 32-bit numbers sent in SetEncodings. */
export const Encoding = {
  RAW: 0,
  COPY_RECT: 1,
  RRE: 2,
  HEXTILE: 5,
  ZLIB: 6,
  TIGHT: 7,
  ZRLE: 16,
  TIGHT_PNG: -260,
  DESKTOP_SIZE: -223,
  LAST_RECT: -224,
  CURSOR: -239,
  QEMU_POINTER_MOTION_CHANGE: -257,
  QEMU_EXTENDED_KEY_EVENT: -258,
  QEMU_LED_STATE: -261,
  DESKTOP_NAME: -307,
  EXTENDED_DESKTOP_SIZE: -308,
  FENCE: -312,
  CONTINUOUS_UPDATES: -313,
  CURSOR_WITH_ALPHA: -314,
  EXTENDED_CLIPBOARD: 0xc0a1e5ce | 0,
  /** -32 … -23: JPEG quality 0 … 9 for Tight. */
  JPEG_QUALITY_LEVEL_0: -32,
  /** -256 … -247: compression level 0 … 9. */
  COMPRESS_LEVEL_0: -256,
} as const;
export type Encoding = (typeof Encoding)[keyof typeof Encoding];
