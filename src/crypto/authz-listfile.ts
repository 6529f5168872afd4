/**
 * QEMU authz-listfile: an authz-list whose rules live in a JSON file,
 * `{ "rules": [ { "match": …, "policy": …, "format": … } ], "policy": "deny" }`,
 * loaded at creation and re-read when the file changes.
 */
import { errorMessage } from '../errors';
import { EventEmitter } from 'node:events';
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { AuthzList, type Authz, type AuthzIdentity, type AuthzPolicy } from './authz';
import { CryptoError, CryptoErrorCode } from './errors';

export interface AuthzListFileOptions {
  readonly filename: string;
  /** Re-read the file when it changes (default true). */
  readonly refresh?: boolean;
  /** Quiet time after the last change event before re-reading (default 50 ms). */
  readonly debounceMs?: number;
}

export interface AuthzReloadInfo {
  readonly filename: string;
  readonly rules: number;
  readonly policy: AuthzPolicy;
}

export interface AuthzListFileEvents {
  reload: [info: AuthzReloadInfo];
  /** The file could not be read or parsed: everyone is denied until it can. */
  reloadError: [error: CryptoError];
}

const DEFAULT_DEBOUNCE_MS = 50;

export class AuthzListFile extends EventEmitter<AuthzListFileEvents> implements Authz {
  readonly filename: string;
  readonly #debounceMs: number;
  /** Undefined after a failed reload: the object then denies everyone. */
  #list: AuthzList | undefined;
  #watcher: FSWatcher | undefined;
  #timer: NodeJS.Timeout | undefined;

  /** Loads now and throws CryptoError (naming the file and rule) if that fails. */
  constructor(options: AuthzListFileOptions) {
    super();
    this.filename = options.filename;
    this.#debounceMs = options.debounceMs ?? DEFAULT_DEBOUNCE_MS;
    this.#list = loadListFile(this.filename);
    if (options.refresh ?? true) this.#watcher = this.#watch();
  }

  /** False while the file is broken (and everyone is denied). */
  get loaded(): boolean {
    return this.#list !== undefined;
  }

  get watching(): boolean {
    return this.#watcher !== undefined;
  }

  isAllowed(identity: AuthzIdentity): boolean {
    return this.#list?.isAllowed(identity) ?? false;
  }

  /**
   * Re-reads the file now. On failure this fails closed, emits `reloadError`
   * and throws: a typo in an edited file must not leave the previous rules
   * in force, since the edit may have been the removal of a user.
   */
  reload(): void {
    const error = this.#load();
    if (error !== undefined) throw error;
  }

  /** Stops watching the file; the rules last loaded stay in force. */
  close(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#watcher?.close();
    this.#watcher = undefined;
  }

  /**
   * Watches the directory, not the file: editors save by writing a new file
   * and renaming it over the old one, after which a watch on the old inode
   * would see nothing more.
   */
  #watch(): FSWatcher {
    const name = basename(this.filename);
    let watcher: FSWatcher;
    try {
      // Not persistent: the servers using this object keep the process alive.
      watcher = watch(dirname(this.filename), { persistent: false }, (_event, changed) => {
        if (changed === null || changed === name) this.#schedule();
      });
    } catch (cause) {
      throw new CryptoError(
        CryptoErrorCode.AUTHZ_READ,
        `authz file '${this.filename}': cannot watch its directory for changes: ${errorMessage(cause)}`,
        { cause },
      );
    }
    watcher.on('error', (cause) => {
      // Changes can no longer be seen, so the loaded rules may be stale: fail closed.
      this.close();
      this.#failClosed(
        new CryptoError(
          CryptoErrorCode.AUTHZ_READ,
          `authz file '${this.filename}': watching stopped: ${errorMessage(cause)}`,
          { cause },
        ),
      );
    });
    return watcher;
  }

  #schedule(): void {
    // One save is often several events (truncate, write, rename): read once they settle.
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#load(); // a failure is reported through 'reloadError'
    }, this.#debounceMs);
    this.#timer.unref();
  }

  #load(): CryptoError | undefined {
    let list: AuthzList;
    try {
      list = loadListFile(this.filename);
    } catch (error) {
      return this.#failClosed(error);
    }
    this.#list = list;
    this.emit('reload', { filename: this.filename, rules: list.rules.length, policy: list.policy });
    return undefined;
  }

  #failClosed(error: unknown): CryptoError {
    this.#list = undefined;
    const reported =
      error instanceof CryptoError
        ? error
        : new CryptoError(CryptoErrorCode.AUTHZ_READ, `authz file '${this.filename}': ${errorMessage(error)}`, {
            cause: error,
          });
    this.emit('reloadError', reported);
    return reported;
  }
}

function loadListFile(filename: string): AuthzList {
  let text: string;
  try {
    text = readFileSync(filename, 'utf8');
  } catch (cause) {
    throw new CryptoError(CryptoErrorCode.AUTHZ_READ, `authz file '${filename}': cannot read: ${errorMessage(cause)}`, {
      cause,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new CryptoError(CryptoErrorCode.AUTHZ_INVALID, `authz file '${filename}': invalid JSON: ${errorMessage(cause)}`, {
      cause,
    });
  }
  // AuthzList validates the shape at run time; the cast only gets it there.
  return new AuthzList(json as ConstructorParameters<typeof AuthzList>[0], `authz file '${filename}'`);
}
