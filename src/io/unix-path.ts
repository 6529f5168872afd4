import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import { IoError, IoErrorCode } from './errors';

/**
 * Removes a socket file a crashed server left at `path`, so bind() can use the
 * path again. A live server's socket (one that accepts a connection) is left
 * alone, and so is anything that is not a socket: bind() then reports it.
 */
export async function removeStaleSocket(path: string): Promise<void> {
  let isSocket: boolean;
  try {
    isSocket = (await fs.lstat(path)).isSocket();
  } catch {
    return; // nothing there (or unreadable): bind() will say what is wrong
  }
  if (!isSocket) return;
  if (await answers(path)) {
    throw new IoError(IoErrorCode.LISTEN_FAILED, `cannot listen on unix:${path}: another server is listening there`);
  }
  await removeSocketFile(path);
}

/** Unlinks `path` if it is (still) a socket file; never throws. */
export async function removeSocketFile(path: string): Promise<void> {
  try {
    if ((await fs.lstat(path)).isSocket()) await fs.unlink(path);
  } catch {
    // Gone already, or not ours to remove.
  }
}

function answers(path: string): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const probe = net.connect({ path });
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => {
      probe.destroy();
      resolve(false);
    });
  });
}
