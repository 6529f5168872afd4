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
  XVP: 250,
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
  XVP: 250,
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
  XVP: -309,
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

/** Fence flags (rfbproto "ClientFence"); bits 3-30 are unused and must be cleared in an answer. */
export const FenceFlag = {
  BLOCK_BEFORE: 1 << 0,
  BLOCK_AFTER: 1 << 1,
  SYNC_NEXT: 1 << 2,
  /** A new request that wants an answer; cleared in the answer. */
  REQUEST: 0x8000_0000,
} as const;
export type FenceFlag = (typeof FenceFlag)[keyof typeof FenceFlag];

/** The longest fence payload allowed by the specification. */
export const MAX_FENCE_PAYLOAD = 64;

/** Extended clipboard formats: bits 0-15 of the flags (rfbproto "Extended Clipboard Pseudo-Encoding"). */
export const ClipboardFormat = {
  /** UTF-8, CR LF line ends, a terminating NUL. */
  TEXT: 1 << 0,
  RTF: 1 << 1,
  HTML: 1 << 2,
  DIB: 1 << 3,
  FILES: 1 << 4,
} as const;
export type ClipboardFormat = (typeof ClipboardFormat)[keyof typeof ClipboardFormat];

/** Extended clipboard actions: bits 24-31 of the flags. */
export const ClipboardAction = {
  CAPS: 1 << 24,
  REQUEST: 1 << 25,
  PEEK: 1 << 26,
  NOTIFY: 1 << 27,
  PROVIDE: 1 << 28,
} as const;
export type ClipboardAction = (typeof ClipboardAction)[keyof typeof ClipboardAction];

/** ExtendedDesktopSize x-position: why the layout changed. */
export const DesktopSizeReason = {
  SERVER: 0,
  /** The client receiving the rectangle asked (answer to its SetDesktopSize). */
  THIS_CLIENT: 1,
  OTHER_CLIENT: 2,
} as const;
export type DesktopSizeReason = (typeof DesktopSizeReason)[keyof typeof DesktopSizeReason];

/** ExtendedDesktopSize y-position: the result of a client's SetDesktopSize. */
export const DesktopSizeStatus = {
  OK: 0,
  PROHIBITED: 1,
  OUT_OF_RESOURCES: 2,
  INVALID_LAYOUT: 3,
  /** Passed on to something else (a guest) that may complete it later; QEMU uses it. */
  FORWARDED: 4,
} as const;
export type DesktopSizeStatus = (typeof DesktopSizeStatus)[keyof typeof DesktopSizeStatus];

/**
 * xvp message codes (rfbproto "xvp Client Message" / "xvp Server Message"):
 * FAIL and INIT from the server, SHUTDOWN, REBOOT and RESET from the client.
 */
export const XvpCode = {
  FAIL: 0,
  INIT: 1,
  SHUTDOWN: 2,
  REBOOT: 3,
  RESET: 4,
} as const;
export type XvpCode = (typeof XvpCode)[keyof typeof XvpCode];

/** The only xvp extension version defined; XVP_INIT announces it as the highest supported. */
export const XVP_VERSION = 1;

/** Submessage types of the QEMU client message (255). */
export const QemuClientSubtype = {
  EXTENDED_KEY_EVENT: 0,
  AUDIO: 1,
} as const;
export type QemuClientSubtype = (typeof QemuClientSubtype)[keyof typeof QemuClientSubtype];

/** Bits of the QEMU LED state byte. */
export const LedBit = {
  SCROLL_LOCK: 1 << 0,
  NUM_LOCK: 1 << 1,
  CAPS_LOCK: 1 << 2,
} as const;
export type LedBit = (typeof LedBit)[keyof typeof LedBit];
