/**
 * One web port for one or several VNC servers, as QEMU's `websocket=` option
 * plus the noVNC page: websocket upgrades go to the server of their path,
 * other GET requests to the static files (the page, noVNC's modules).
 */
import { dirname } from 'node:path';
import {
  StaticFiles,
  WebsocketListener,
  formatAddress,
  type ListenAddress,
  type OriginPolicy,
  type SocketAddress,
  type StaticMount,
  type WebRefusal,
  type WebsocketListenerOptions,
  type WebsocketTlsOptions,
} from '../io';
import { VncError, VncErrorCode } from './errors';
import { silentLogger, type Logger } from './logger';
import type { VncServer } from './server';

/** Where a named display's websocket is: `/vnc/<name>`. */
export const WEB_DISPLAY_PREFIX = '/vnc/';
/** Where noVNC's `core/` and `vendor/` are served. */
export const WEB_NOVNC_PATH = '/novnc/';
/** What `GET /` serves from the web root, the first that exists. */
export const WEB_INDEX_FILES: readonly string[] = ['vnc.html', 'index.html'];

export interface ServeWebOptions {
  readonly listen: ListenAddress | readonly ListenAddress[];
  /**
   * One server, reached at any websocket path (noVNC asks for `/websockify` by
   * default), or servers by name, each at `/vnc/<name>` (a key starting with
   * `/` is taken as the path itself); other paths are answered 404.
   */
  readonly displays: VncServer | Readonly<Record<string, VncServer>>;
  /** A directory served at `/` (the noVNC page); `GET /` serves its vnc.html or index.html. */
  readonly webRoot?: string;
  /**
   * noVNC's `core/` and `vendor/` at `/novnc/`: a directory holding them, true
   * for the installed `@novnc/novnc` package (an error if it is missing), false
   * for none. Default: the installed package when there is a web root and it is installed.
   */
  readonly novnc?: boolean | string;
  /** More static mappings (a URL ending in `/` for a directory, else one file). */
  readonly files?: readonly StaticMount[];
  /** wss: TLS first on every connection. Client certificates are only asked for when required there. */
  readonly tls?: WebsocketTlsOptions;
  /** Which pages may open a websocket (the Origin header); default 'any'. */
  readonly origins?: OriginPolicy;
  /** Limits of the HTTP and websocket layers (defaults: head 4 KiB in 10 s, messages ≤ 2 MiB in, 64 KiB out). */
  readonly limits?: Pick<WebsocketListenerOptions, 'maxHeadBytes' | 'headTimeoutMs' | 'maxPending' | 'maxPayload' | 'maxFragments' | 'maxFrame'>;
  readonly logger?: Logger;
  readonly signal?: AbortSignal;
}

export interface VncWebServer {
  /** Where it listens, with the real ports. */
  readonly addresses: readonly SocketAddress[];
  /** True for wss (and https for the page). */
  readonly secure: boolean;
  /** The websocket path of each named display; empty for a single display (any path). */
  readonly paths: ReadonlyMap<string, string>;
  /** Stops listening and closes connections not yet upgraded. The VNC servers and their clients stay. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const DISPLAY_NAME = /^[A-Za-z0-9._~-]+$/;

/** Opens the web port; resolves once it listens on every address. */
export async function serveWeb(options: ServeWebOptions): Promise<VncWebServer> {
  const logger = options.logger ?? silentLogger;
  const { single, routes, paths } = displayRoutes(options.displays);
  const files = staticFiles(options, logger);
  const listener = await WebsocketListener.listen(options.listen, {
    ...options.limits,
    ...(single === undefined ? { paths: [...routes.keys()] } : {}),
    ...(files === undefined ? {} : { files }),
    ...(options.tls === undefined ? {} : { tls: options.tls }),
    ...(options.origins === undefined ? {} : { origins: options.origins }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  const scheme = listener.secure ? 'wss' : 'ws';
  listener.on('channel', (channel) => {
    const path = channel.facts.websocket?.path ?? '';
    const server = single ?? routes.get(path);
    if (server === undefined) {
      channel.close(); // the listener only upgrades the paths it was given
      return;
    }
    logger.debug(`${scheme} ${path}: websocket opened${channel.facts.websocket?.origin === undefined ? '' : ` from a page at ${channel.facts.websocket.origin}`}`);
    server.attach(channel);
  });
  listener.on('refused', (refusal) => logger.info(describeRefusal(scheme, refusal)));
  listener.on('error', (error) => logger.error(`web listener: ${error.message}`));
  return {
    addresses: listener.addresses,
    secure: listener.secure,
    paths,
    close: () => listener.close(),
    [Symbol.asyncDispose]: () => listener.close(),
  };
}

function displayRoutes(displays: ServeWebOptions['displays']): {
  single: VncServer | undefined;
  routes: Map<string, VncServer>;
  paths: Map<string, string>;
} {
  const routes = new Map<string, VncServer>();
  const paths = new Map<string, string>();
  if (isServer(displays)) return { single: displays, routes, paths };
  for (const [name, server] of Object.entries(displays)) {
    const path = name.startsWith('/') ? name : `${WEB_DISPLAY_PREFIX}${name}`;
    if (!name.startsWith('/') && !DISPLAY_NAME.test(name)) {
      throw invalid(`display name ${JSON.stringify(name)} must be letters, digits, ".", "_", "~" or "-" (it becomes the path ${WEB_DISPLAY_PREFIX}NAME)`);
    }
    if (routes.has(path)) throw invalid(`two displays at the websocket path ${path}`);
    routes.set(path, server);
    paths.set(name, path);
  }
  if (routes.size === 0) throw invalid('no display to serve: displays is empty');
  return { single: undefined, routes, paths };
}

function isServer(displays: ServeWebOptions['displays']): displays is VncServer {
  return typeof (displays as Partial<VncServer>).attach === 'function';
}

function staticFiles(options: ServeWebOptions, logger: Logger): StaticFiles | undefined {
  const mounts: StaticMount[] = [];
  if (options.webRoot !== undefined) mounts.push({ urlPath: '/', fsPath: options.webRoot });
  // Unset: the installed package if there is one, when there is a page to use it.
  const novnc = novncDirectory(options.novnc ?? (options.webRoot === undefined ? false : undefined), logger);
  if (novnc !== undefined) mounts.push({ urlPath: WEB_NOVNC_PATH, fsPath: novnc });
  mounts.push(...(options.files ?? []));
  return mounts.length === 0 ? undefined : new StaticFiles(mounts, { index: WEB_INDEX_FILES });
}

/** `undefined` asks for the installed package if there is one. */
function novncDirectory(wanted: boolean | string | undefined, logger: Logger): string | undefined {
  if (typeof wanted === 'string') return wanted;
  if (wanted === false) return undefined;
  try {
    // The package's exports allow only its main module (core/rfb.js): its root is two levels up.
    return dirname(dirname(require.resolve('@novnc/novnc')));
  } catch (error) {
    if (wanted === true) throw invalid(`novnc: the @novnc/novnc package is not installed (${(error as Error).message})`);
    logger.warn(`the @novnc/novnc package is not installed: ${WEB_NOVNC_PATH} is not served`);
    return undefined;
  }
}

function describeRefusal(scheme: string, refusal: WebRefusal): string {
  const who = refusal.peer === undefined ? 'client' : formatAddress(refusal.peer);
  const what = refusal.status === undefined ? 'closed' : `answered ${refusal.status}`;
  return `${scheme} ${who}${refusal.path === undefined ? '' : ` ${refusal.path}`}: ${what}: ${refusal.reason}`;
}

function invalid(message: string): VncError {
  return new VncError(VncErrorCode.INVALID_OPTION, `serveWeb: ${message}`);
}
