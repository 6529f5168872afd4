import { VncdError } from '../errors';

export const VncErrorCode = {
  /** A pixel format that vncd refuses (a client's SetPixelFormat, or a display's native format). */
  INVALID_PIXEL_FORMAT: 'VNC_INVALID_PIXEL_FORMAT',
  /** A framebuffer width or height that is negative, fractional or too large. */
  INVALID_SIZE: 'VNC_INVALID_SIZE',
  /** A rectangle that reaches past the pixels it was asked to read or write. */
  OUT_OF_BOUNDS: 'VNC_OUT_OF_BOUNDS',
  /** A client broke the protocol: bad version, malformed or unknown message. */
  PROTOCOL: 'VNC_PROTOCOL',
  /** The server turned the client away before authentication (limit, no usable security type). */
  REFUSED: 'VNC_REFUSED',
  AUTH_FAILED: 'VNC_AUTH_FAILED',
  /** A server or display option that cannot work; raised when configured, not mid-session. */
  INVALID_OPTION: 'VNC_INVALID_OPTION',
  /** A client that stopped reading while its output queue passed the hard limit. */
  TOO_SLOW: 'VNC_TOO_SLOW',
} as const;
export type VncErrorCode = (typeof VncErrorCode)[keyof typeof VncErrorCode];

export class VncError extends VncdError<VncErrorCode> {}
