/**
 * vncd's monitor: QEMU's QMP protocol, for VNC. A program (or `socat`) connects
 * to a UNIX socket or a loopback TCP port, gets QMP's greeting, sends
 * `qmp_capabilities`, then commands as JSON lines (query-vnc, set_password,
 * display-reload, ...), and receives VNC_CONNECTED / VNC_INITIALIZED /
 * VNC_DISCONNECTED events. See docs/monitor.md.
 */
import { errorMessage } from '../src/errors';
import { chmod } from 'node:fs/promises';
import type { Duplex } from 'node:stream';
import { VncdError } from '../src/errors';
import { Listener, formatAddress, type Channel, type SocketAddress } from '../src/io';
import type { ClientInfo, Logger } from '../src/vnc';
import type { CommandContext } from './monitor-commands';
import { clientBasic, clientInfo, serverInfo, type MonitorDisplay } from './monitor-info';
import { MonitorSession } from './monitor-session';

export type { MonitorDisplay, VencryptSubAuth } from './monitor-info';
export { parseMonitorOption } from './monitor-option';

/** The only hosts a TCP monitor may bind: whoever reaches it can change passwords. */
export const MONITOR_HOSTS = ['127.0.0.1', '::1', 'localhost'] as const;
export type MonitorHost = (typeof MONITOR_HOSTS)[number];

export type MonitorListen = { readonly path: string } | { readonly host: MonitorHost; readonly port: number };

/** Something display-reload re-reads: TlsCredsX509, TlsCredsAnon, an authz list file. */
export interface Reloadable {
  reload(): void | Promise<void>;
}

/**
 * One function that reloads every item, each even if another fails (a failure
 * keeps that item's previous state); it throws at the end, naming every failure.
 * The daemon's SIGHUP handler and the monitor can share it.
 */
export function reloadAll(items: readonly Reloadable[]): () => Promise<void> {
  return async () => {
    const failures: string[] = [];
    for (const item of items) {
      try {
        await item.reload();
      } catch (error) {
        failures.push(errorMessage(error));
      }
    }
    if (failures.length > 0) throw new Error(`${failures.length} of ${items.length} failed: ${failures.join('; ')}`);
  };
}

export interface MonitorOptions {
  readonly listen: MonitorListen;
  /** The displays, first one first: commands without a `display` argument act on it. */
  readonly displays: readonly MonitorDisplay[];
  /**
   * What display-reload (with tls-certs=true) re-reads: the TLS credentials, as
   * a list or one function (e.g. `reloadAll(list)`, which SIGHUP can call too).
   */
  readonly reload: (() => void | Promise<void>) | readonly Reloadable[];
  /** vncd's version, for the greeting. */
  readonly version: string;
  readonly logger?: Logger;
  /** Longest input line (default 64 KiB); a longer one closes the connection. */
  readonly maxLineBytes?: number;
  /** Output a client may leave unread (default 1 MiB) before it is dropped. */
  readonly maxOutputBytes?: number;
  /** Monitor connections at once (default 16); more are told so and closed. */
  readonly maxConnections?: number;
}

export interface Monitor {
  /** Where it listens, with the real port when 0 was asked. */
  readonly addresses: readonly SocketAddress[];
  /** Sends an event (e.g. SHUTDOWN before the daemon exits) to every connection past negotiation. */
  event(name: string, data?: Readonly<Record<string, unknown>>): void;
  /** Stops listening, closes every monitor connection and stops following the displays. */
  close(): Promise<void>;
}

export class MonitorError extends VncdError<'MONITOR_INVALID_OPTION'> {}

const DEFAULT_MAX_LINE = 64 * 1024;
const DEFAULT_MAX_OUTPUT = 1024 * 1024;
const DEFAULT_MAX_CONNECTIONS = 16;
const silent: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** QMP's timestamp: seconds and microseconds since the epoch. */
export function qmpTimestamp(now: number = performance.timeOrigin + performance.now()): { seconds: number; microseconds: number } {
  const seconds = Math.floor(now / 1000);
  return { seconds, microseconds: Math.min(999_999, Math.floor((now - seconds * 1000) * 1000)) };
}

function checkOptions(options: MonitorOptions): void {
  const { listen } = options;
  if ('host' in listen) {
    if (!(MONITOR_HOSTS as readonly string[]).includes(listen.host)) {
      throw new MonitorError(
        'MONITOR_INVALID_OPTION',
        `the monitor listens on loopback only (${MONITOR_HOSTS.join(', ')}), not '${String(listen.host)}': whoever reaches it can change passwords; use a UNIX socket or an SSH tunnel for remote access`,
      );
    }
    if (!Number.isInteger(listen.port) || listen.port < 0 || listen.port > 65535) {
      throw new MonitorError('MONITOR_INVALID_OPTION', `the monitor's port must be a whole number from 0 to 65535, not ${listen.port}`);
    }
  } else if (listen.path === '') {
    throw new MonitorError('MONITOR_INVALID_OPTION', "the monitor's UNIX socket path is empty");
  }
  const ids = new Set<string>();
  for (const { id } of options.displays) {
    if (id === '') throw new MonitorError('MONITOR_INVALID_OPTION', 'a VNC display for the monitor has an empty id');
    if (ids.has(id)) throw new MonitorError('MONITOR_INVALID_OPTION', `two VNC displays have the id '${id}'; give each its own id=`);
    ids.add(id);
  }
}

/** Starts the monitor; resolves once it listens. */
export async function startMonitor(options: MonitorOptions): Promise<Monitor> {
  checkOptions(options);
  const logger = options.logger ?? silent;
  const reload = typeof options.reload === 'function' ? options.reload : reloadAll(options.reload);
  const context: CommandContext = { displays: options.displays, reload, version: options.version };
  const sessions = new Set<MonitorSession>();
  const maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  let nextSession = 1;

  const broadcast = (name: string, data?: Readonly<Record<string, unknown>>): void => {
    const message = { event: name, ...(data !== undefined && { data }), timestamp: qmpTimestamp() };
    for (const session of sessions) session.event(message);
  };

  const listener = await Listener.listen([options.listen]);
  if ('path' in options.listen) await chmod(options.listen.path, 0o600).catch(() => undefined);
  const where = listener.addresses.map(formatAddress).join(', ');
  logger.info(`monitor listening on ${where}`);

  listener.on('error', (error) => logger.error(`monitor: ${error.message}`));
  listener.on('channel', (channel: Channel) => {
    const label = `monitor ${nextSession++} (${channel.facts.peer ? formatAddress(channel.facts.peer) : where})`;
    if (sessions.size >= maxConnections) {
      logger.warn(`${label}: refused, ${maxConnections} monitor connections already open`);
      const refusal = { error: { class: 'GenericError', desc: `too many monitor connections (limit ${maxConnections})` } };
      channel.write(Buffer.from(`${JSON.stringify(refusal)}\r\n`));
      const close = (): void => channel.close();
      void channel.shutdown().then(close, close);
      return;
    }
    let stream: Duplex;
    try {
      stream = channel.detach();
    } catch {
      channel.close(); // the peer left already
      return;
    }
    logger.info(`${label}: connected`);
    const session = new MonitorSession(stream, {
      context,
      logger,
      label,
      maxLineBytes: options.maxLineBytes ?? DEFAULT_MAX_LINE,
      maxOutputBytes: options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT,
      closed: (ended) => {
        sessions.delete(ended);
        logger.info(`${label}: disconnected`);
      },
    });
    sessions.add(session);
  });

  const unfollow = options.displays.map((display) => followDisplay(display, broadcast));
  let closing: Promise<void> | undefined;
  return {
    addresses: listener.addresses,
    event: broadcast,
    close(): Promise<void> {
      closing ??= (async () => {
        for (const stop of unfollow) stop();
        await listener.close();
        for (const session of [...sessions]) session.close();
      })();
      return closing;
    },
  };
}

/** Turns a display's server events into QMP events; returns the function that stops. */
function followDisplay(
  display: MonitorDisplay,
  broadcast: (name: string, data: Readonly<Record<string, unknown>>) => void,
): () => void {
  const { server } = display;
  const connected = (client: ClientInfo): void =>
    broadcast('VNC_CONNECTED', {
      server: serverInfo(display, client.websocket),
      client: { ...clientBasic(client), vncd: { id: client.id, display: display.id } },
    });
  const initialized = (client: ClientInfo): void =>
    broadcast('VNC_INITIALIZED', { server: serverInfo(display, client.websocket), client: clientInfo(client, display.id) });
  const disconnected = (client: ClientInfo, reason: string): void => {
    const info = clientInfo(client, display.id);
    broadcast('VNC_DISCONNECTED', {
      server: serverInfo(display, client.websocket),
      client: { ...info, vncd: { ...info.vncd, reason } },
    });
  };
  server.on('connected', connected);
  server.on('initialized', initialized);
  server.on('disconnected', disconnected);
  return () => {
    server.off('connected', connected);
    server.off('initialized', initialized);
    server.off('disconnected', disconnected);
  };
}
