import type { ListenAddress } from '../src/io';
import type { SharePolicy } from '../src/vnc';
import { OptionError, OptsReader, parseQemuOpts } from './qemu-opts';

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
}

const BASE_PORT = 5900;
const MAX_DISPLAY = 65535 - BASE_PORT;
const SHARE_POLICIES: readonly SharePolicy[] = ['allow-exclusive', 'force-shared', 'ignore'];
/** QEMU keys that belong to features this build does not have: refused by name rather than as unknown. */
const NOT_SUPPORTED = ['sasl', 'sasl-authz', 'tls-creds', 'tls-authz', 'websocket', 'lossy', 'key-delay-ms', 'power-control', 'audiodev', 'acl', 'reverse', 'non-adaptive', 'display', 'head'];

export function parseVncOption(text: string): VncDisplayConfig {
  const option = `--vnc ${text}`;
  const opts = new OptsReader(parseQemuOpts(text, 'vnc', option), option);
  const address = opts.string('vnc') ?? '';
  const to = opts.integer('to', 0, MAX_DISPLAY);
  const config: VncDisplayConfig = {
    listen: listenAddresses(address, to, option),
    password: opts.bool('password') ?? false,
    ...optional('passwordSecret', opts.string('password-secret')),
    ...optional('share', opts.choice('share', SHARE_POLICIES)),
    ...optional('connections', opts.integer('connections', 1, 65535)),
    ...optional('id', opts.string('id')),
  };
  for (const key of NOT_SUPPORTED) {
    if (opts.string(key) !== undefined) throw new OptionError(`${option}: '${key}' is not supported by this version of vncd`);
  }
  opts.finish();
  return config;
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
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
