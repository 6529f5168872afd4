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
  INVALID_ADDRESS: 'IO_INVALID_ADDRESS',
  LISTEN_FAILED: 'IO_LISTEN_FAILED',
} as const;
export type IoErrorCode = (typeof IoErrorCode)[keyof typeof IoErrorCode];

export class IoError extends VncdError<IoErrorCode> {}
