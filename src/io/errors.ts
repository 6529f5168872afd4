import { VncdError } from '../errors';

export const IoErrorCode = {
  /** The peer closed its side before the bytes asked for arrived. */
  EOF: 'IO_EOF',
  /** The channel was closed (locally or by an error) or handed to a wrapper. */
  CLOSED: 'IO_CLOSED',
  /** A read asked for more than the channel's maximum read size. */
  READ_TOO_LARGE: 'IO_READ_TOO_LARGE',
  /** A second read was started while one was still pending. */
  READ_BUSY: 'IO_READ_BUSY',
  /** The peer went away while we were still sending (what EPIPE/ECONNRESET are on TCP). */
  RESET: 'IO_RESET',
  INVALID_ADDRESS: 'IO_INVALID_ADDRESS',
  LISTEN_FAILED: 'IO_LISTEN_FAILED',
  /** A listening socket failed after it was set up (accept: EMFILE and the like). */
  ACCEPT_FAILED: 'IO_ACCEPT_FAILED',
  CONNECT_FAILED: 'IO_CONNECT_FAILED',
  /** The caller's AbortSignal fired before the operation finished. */
  ABORTED: 'IO_ABORTED',
  /** An option given to a listener or server is not usable (a path, a limit, a file to serve). */
  INVALID_OPTION: 'IO_INVALID_OPTION',
  /** The websocket peer broke the protocol or sent a text message where only binary ones carry the stream. */
  WEBSOCKET_PROTOCOL: 'IO_WEBSOCKET_PROTOCOL',
} as const;
export type IoErrorCode = (typeof IoErrorCode)[keyof typeof IoErrorCode];

export class IoError extends VncdError<IoErrorCode> {}

