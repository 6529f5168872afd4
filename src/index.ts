/**
 * vncd: a VNC (RFB) server library. This is the supported public API; the
 * layers are also available on their own as `vncd/crypto`, `vncd/io` and `vncd/vnc`.
 */
export { VncdError } from './errors';
export * from './crypto';
export * from './io';
export * from './vnc';
