/**
 * Read-only static files for the web port (the noVNC page and its modules):
 * URL prefixes mapped to directories, or single URLs to files. GET and HEAD,
 * the right Content-Type (browsers refuse module scripts served as anything
 * but JavaScript), no directory listings, no way out of a mapped directory
 * (`..`, encoded slashes, NUL, symbolic links pointing outside), no dotfiles.
 */
import { realpathSync, statSync, type Stats } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { extname, isAbsolute, join, resolve, sep } from 'node:path';
import { IoError, IoErrorCode } from './errors';

/** One mapping: `urlPath` ending in `/` serves the directory `fsPath` below it; otherwise exactly one file. */
export interface StaticMount {
  readonly urlPath: string;
  readonly fsPath: string;
}

export interface StaticFilesOptions {
  /** Files served for a directory's own URL (`/`, `/novnc/`), the first that exists; default `index.html`. */
  readonly index?: readonly string[];
}

/** What a request path leads to. */
export type StaticLookup =
  | { readonly kind: 'file'; readonly file: string; readonly size: number; readonly modified: Date; readonly contentType: string }
  /** A directory asked for without its trailing slash: relative links in its page need the slash. */
  | { readonly kind: 'redirect'; readonly location: string }
  | { readonly kind: 'missing' }
  | { readonly kind: 'forbidden'; readonly reason: string };

const TEXT = '; charset=utf-8';

/** Content types by extension (lower case, with the dot). */
export const MIME_TYPES: Readonly<Record<string, string>> = {
  '.html': `text/html${TEXT}`,
  '.htm': `text/html${TEXT}`,
  '.js': `text/javascript${TEXT}`,
  '.mjs': `text/javascript${TEXT}`,
  '.cjs': `text/javascript${TEXT}`,
  '.css': `text/css${TEXT}`,
  '.json': `application/json${TEXT}`,
  '.map': `application/json${TEXT}`,
  '.webmanifest': `application/manifest+json${TEXT}`,
  '.txt': `text/plain${TEXT}`,
  '.md': `text/markdown${TEXT}`,
  '.xml': `application/xml${TEXT}`,
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.mp3': 'audio/mpeg',
  '.ogg': 'audio/ogg',
  '.wav': 'audio/wav',
};

/** The Content-Type for a file name; `application/octet-stream` when unknown. */
export function contentTypeFor(file: string): string {
  return MIME_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

interface Mount {
  readonly urlPath: string;
  readonly root: string;
  readonly isDirectory: boolean;
}

export class StaticFiles {
  private readonly mounts: readonly Mount[];
  private readonly index: readonly string[];

  /** Checks every mapping now (throws IoError IO_INVALID_OPTION naming the bad one). */
  constructor(mounts: readonly StaticMount[], options: StaticFilesOptions = {}) {
    this.index = options.index ?? ['index.html'];
    for (const name of this.index) {
      if (name === '' || name.includes('/') || name.includes('\\') || name.startsWith('.')) {
        throw invalid(`index file name ${JSON.stringify(name)} must be a plain file name`);
      }
    }
    // Longest prefix first, so /novnc/ wins over /.
    this.mounts = mounts.map(checkMount).sort((a, b) => b.urlPath.length - a.urlPath.length);
  }

  /** The mappings, longest URL first. */
  get mappings(): readonly StaticMount[] {
    return this.mounts.map((mount) => ({ urlPath: mount.urlPath, fsPath: mount.root }));
  }

  /** Finds the file for a request path (percent-encoded, without the query). */
  async lookup(path: string): Promise<StaticLookup> {
    let decoded: string;
    try {
      decoded = decodeURIComponent(path);
    } catch {
      return { kind: 'forbidden', reason: 'the path is not valid percent-encoded UTF-8' };
    }
    if (decoded.includes('\0') || decoded.includes('\\')) return { kind: 'forbidden', reason: 'the path holds a NUL or a backslash' };
    const segments = decoded.split('/').slice(1);
    if (segments.some((segment) => segment === '..' || segment === '.')) {
      return { kind: 'forbidden', reason: 'the path holds "." or ".." segments' };
    }
    for (const mount of this.mounts) {
      if (!mount.isDirectory) {
        if (decoded === mount.urlPath) return this.fileAt(mount.root, mount.root);
        continue;
      }
      if (decoded === mount.urlPath.slice(0, -1) && decoded !== '') return { kind: 'redirect', location: `${path}/` };
      if (!decoded.startsWith(mount.urlPath)) continue;
      const rest = decoded.slice(mount.urlPath.length).split('/');
      if (rest.some((segment) => segment.startsWith('.'))) return { kind: 'missing' };
      const target = join(mount.root, ...rest);
      if (rest.at(-1) === '') return this.indexOf(mount.root, target);
      const found = await this.fileAt(mount.root, target);
      if (found.kind === 'missing' && (await isDirectory(mount.root, target))) {
        return { kind: 'redirect', location: `${path}/` };
      }
      return found;
    }
    return { kind: 'missing' };
  }

  private async indexOf(root: string, directory: string): Promise<StaticLookup> {
    for (const name of this.index) {
      const found = await this.fileAt(root, join(directory, name));
      if (found.kind !== 'missing') return found;
    }
    return { kind: 'missing' };
  }

  /** The file when it is a regular file whose real path lies within `root` (itself a real path). */
  private async fileAt(root: string, file: string): Promise<StaticLookup> {
    let real: string;
    let info: Stats;
    try {
      real = await realpath(file);
      info = await stat(real);
    } catch {
      return { kind: 'missing' };
    }
    if (!within(root, real)) {
      return { kind: 'forbidden', reason: 'the file is a link to somewhere outside the served directory' };
    }
    if (!info.isFile()) return { kind: 'missing' };
    return { kind: 'file', file: real, size: info.size, modified: info.mtime, contentType: contentTypeFor(real) };
  }
}

async function isDirectory(root: string, path: string): Promise<boolean> {
  try {
    const real = await realpath(path);
    return within(root, real) && (await stat(real)).isDirectory();
  } catch {
    return false;
  }
}

/** Whether the real path `real` is `root` or lies below it. */
function within(root: string, real: string): boolean {
  return real === root || real.startsWith(root.endsWith(sep) ? root : root + sep);
}

function checkMount(mount: StaticMount): Mount {
  const { urlPath, fsPath } = mount;
  if (!urlPath.startsWith('/') || urlPath.includes('\\') || urlPath.split('/').some((s) => s === '..' || s === '.')) {
    throw invalid(`static URL path ${JSON.stringify(urlPath)} must start with "/" and hold no "." or ".." segments`);
  }
  let real: string;
  let info: Stats;
  try {
    real = realpathSync(isAbsolute(fsPath) ? fsPath : resolve(fsPath));
    info = statSync(real);
  } catch (error) {
    throw invalid(`cannot serve ${JSON.stringify(fsPath)} at ${urlPath}: ${(error as Error).message}`, error);
  }
  if (urlPath.endsWith('/')) {
    if (!info.isDirectory()) throw invalid(`cannot serve ${JSON.stringify(fsPath)} at ${urlPath}: a URL ending in "/" needs a directory`);
    return { urlPath, root: real, isDirectory: true };
  }
  if (!info.isFile()) throw invalid(`cannot serve ${JSON.stringify(fsPath)} at ${urlPath}: not a file (end the URL path with "/" to serve a directory)`);
  return { urlPath, root: real, isDirectory: false };
}

function invalid(message: string, cause?: unknown): IoError {
  return cause === undefined ? new IoError(IoErrorCode.INVALID_OPTION, message) : new IoError(IoErrorCode.INVALID_OPTION, message, { cause });
}
