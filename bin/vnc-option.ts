import type { ListenAddress } from '../src/io';
import { VENCRYPT_SUBTYPE_NAMES, type SharePolicy, type VencryptSubtypeName } from '../src/vnc';
import { OptionError, optional, OptsReader, parseQemuOpts } from './qemu-opts';

/** One `--vnc` display, as QEMU's `-vnc` describes it. */
export interface VncDisplayConfig {
  /** Where to listen; an empty list for `none`. Each entry is a list of ports to try in order (`to=`). */
  readonly listen: readonly (readonly ListenAddress[])[];
  /** Ask for a VNC password (`password=on`): until one is set, every client is refused. */
  readonly password: boolean;
  readonly passwordSecret?: string;
  readonly share?: SharePolicy;
  readonly connections?: number;
  readonly id?: string;
  /** QEMU's lossy=on: JPEG in Tight for clients that ask for a quality level. */
  readonly lossy: boolean;
  /** QEMU's power-control=on: viewers may ask for shutdown, reboot or reset (xvp). */
  readonly powerControl?: boolean;
  /** QEMU's key-delay-ms=N: the least time between two key events of one client. */
  readonly keyDelayMs?: number;
  /** The tls-creds object: VeNCrypt with TLS, as QEMU's tls-creds=. */
  readonly tlsCreds?: string;
  /** The authz object checked on client certificate DNs. */
  readonly tlsAuthz?: string;
  /** VeNCrypt sub-types named explicitly, e.g. x509-plain (QEMU chooses them from tls-creds and password). */
  readonly vencrypt?: readonly VencryptSubtypeName[];
  /** The authz object checked on Plain usernames. */
  readonly plainAuthz?: string;
  /**
   * QEMU's websocket=: 'display' for a bare `websocket` (port 5700 + the display
   * number, on the same host), or an address of its own.
   */
  readonly websocket?: 'display' | { readonly host?: string; readonly port: number };
}

const BASE_PORT = 5900;
const MAX_DISPLAY = 65535 - BASE_PORT;
const SHARE_POLICIES: readonly SharePolicy[] = ['allow-exclusive', 'force-shared', 'ignore'];
const MAX_KEY_DELAY_MS = 10_000;
/** QEMU keys that belong to features this build does not have: refused by name rather than as unknown. */
const NOT_SUPPORTED = ['sasl', 'sasl-authz', 'audiodev', 'acl', 'reverse', 'non-adaptive', 'display', 'head'];

export function parseVncOption(text: string): VncDisplayConfig {
  const option = `--vnc ${text}`;
  const opts = new OptsReader(parseQemuOpts(text, 'vnc', option), option);
  const address = opts.string('vnc') ?? '';
  const to = opts.integer('to', 0, MAX_DISPLAY);
  const config: VncDisplayConfig = {
    listen: listenAddresses(address, to, option),
    password: opts.bool('password') ?? false,
    lossy: opts.bool('lossy') ?? false,
    ...optional('passwordSecret', opts.string('password-secret')),
    ...optional('share', opts.choice('share', SHARE_POLICIES)),
    ...optional('connections', opts.integer('connections', 1, 65535)),
    ...optional('id', opts.string('id')),
    ...optional('tlsCreds', opts.string('tls-creds')),
    ...optional('tlsAuthz', opts.string('tls-authz')),
    ...optional('vencrypt', subtypes(opts.string('vencrypt'), option)),
    ...optional('plainAuthz', opts.string('plain-authz')),
    ...optional('websocket', websocketAddress(opts.string('websocket'), option)),
    ...optional('powerControl', opts.bool('power-control')),
    ...optional('keyDelayMs', opts.integer('key-delay-ms', 0, MAX_KEY_DELAY_MS)),
  };
  for (const key of NOT_SUPPORTED) {
    if (opts.has(key)) throw new OptionError(`${option}: '${key}' is not supported by this version of vncd`);
  }
  opts.finish();
  return config;
}


/** `websocket` / `websocket=on` (port 5700+display), `websocket=PORT` or `websocket=HOST:PORT`; off/absent: none. */
function websocketAddress(value: string | undefined, option: string): VncDisplayConfig['websocket'] {
  if (value === undefined || value === 'off') return undefined;
  if (value === 'on') return 'display';
  const match = /^(?:\[([^\]]*)\]:|([^:[\]]*):)?(\d+)$/.exec(value);
  const port = Number(match?.[3]);
  if (!match || !(port >= 1 && port <= 65535)) {
    throw new OptionError(`${option}: 'websocket' must be on, PORT or HOST:PORT, not '${value}'`);
  }
  const host = match[1] ?? match[2];
  return host === undefined || host === '' ? { port } : { host, port };
}

/** `vencrypt=x509-plain:x509-vnc`: VeNCrypt sub-types in order of preference, by QEMU's names. */
function subtypes(value: string | undefined, option: string): VencryptSubtypeName[] | undefined {
  if (value === undefined) return undefined;
  return value.split(':').map((name) => {
    const known = VENCRYPT_SUBTYPE_NAMES.find((candidate) => candidate === name);
    if (!known) throw new OptionError(`${option}: 'vencrypt' takes sub-types separated by ':' from ${VENCRYPT_SUBTYPE_NAMES.join(', ')}, not '${name}'`);
    return known;
  });
}

/** `HOST:D`, `[V6]:D`, `:D` (every address), `unix:PATH` or `none`; D is a display number, port 5900+D. */
function listenAddresses(address: string, to: number | undefined, option: string): ListenAddress[][] {
  if (address === 'none') return [];
  if (address.startsWith('unix:')) {
    const path = address.slice('unix:'.length);
    if (path === '') throw new OptionError(`${option}: unix: needs a socket path`);
    return [[{ path }]];
  }
  const match = /^(?:\[([^\]]*)\]|([^:[\]]*)):(\d+)$/.exec(address);
  const display = match?.[3] === undefined ? NaN : Number(match[3]);
  if (!match || !(display <= MAX_DISPLAY)) {
    throw new OptionError(
      `${option}: the address must be HOST:DISPLAY (display 0 to ${MAX_DISPLAY}, port 5900+DISPLAY), unix:PATH or none, not '${address}'`,
    );
  }
  const host = match[1] ?? match[2] ?? '';
  const last = to ?? display;
  if (last < display) throw new OptionError(`${option}: 'to' (${last}) is below the display number (${display})`);
  const tries: ListenAddress[][] = [];
  for (let d = display; d <= last; d++) tries.push([{ host: host === '' ? '0.0.0.0' : host, port: BASE_PORT + d }]);
  return tries;
}
