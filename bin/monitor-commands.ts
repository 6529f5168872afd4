/**
 * The monitor's commands: QEMU's names, arguments and answers for VNC
 * (qapi/ui.json), and `vncd-disconnect`, which QEMU has no equivalent for.
 */
import { errorMessage } from '../src/errors';
import { ArgumentReader, badValue, QmpError } from './monitor-args';
import { queryVnc, queryVncServers, type MonitorDisplay } from './monitor-info';

export interface CommandContext {
  readonly displays: readonly MonitorDisplay[];
  /** Re-reads TLS credentials (display-reload with tls-certs). */
  readonly reload: () => void | Promise<void>;
  /** vncd's version, e.g. "0.1.0". */
  readonly version: string;
}

/** A command takes its arguments and returns the `return` value (any JSON value; `{}` for "nothing"). */
export type Command = (args: ArgumentReader, context: CommandContext) => unknown;

const PROTOCOLS = ['vnc'] as const;
const SET_PASSWORD_ACTIONS = ['keep', 'disconnect', 'fail'] as const;
const RELOAD_TYPES = ['vnc'] as const;
const EXPIRE_TIMES = 'now, never, +SECONDS (from now) or SECONDS (since 1970-01-01 UTC)';
/** Client ids are small positive integers; the bound only keeps the number exact. */
const MAX_CLIENT_ID = 2 ** 31 - 1;

/** The display named `id`, or the first one when no id is given (QEMU's "defaults to the first"). */
export function findDisplay(context: CommandContext, id: string | undefined): MonitorDisplay {
  const { displays } = context;
  if (id === undefined) {
    const first = displays[0];
    if (first === undefined) throw new QmpError('DeviceNotFound', 'no VNC display is configured');
    return first;
  }
  const display = displays.find((candidate) => candidate.id === id);
  if (display === undefined) {
    const known = displays.map((candidate) => `'${candidate.id}'`).join(', ') || 'none';
    throw new QmpError('GenericError', `VNC display '${id}' not found (displays: ${known})`);
  }
  return display;
}

/** A password only means something on a display that asks for one. */
function requirePasswordAuth(display: MonitorDisplay, command: string): void {
  if (display.server.info().auth !== 'vnc') {
    throw new QmpError(
      'GenericError',
      `${command}: VNC display '${display.id}' does not use VNC password authentication (start it with password=on or password-secret=ID)`,
    );
  }
}

function setPassword(display: MonitorDisplay, password: string, connected: (typeof SET_PASSWORD_ACTIONS)[number]): void {
  requirePasswordAuth(display, 'set_password');
  const clients = display.server.info().clients;
  if (connected === 'fail' && clients.length > 0) {
    throw new QmpError(
      'GenericError',
      `set_password: VNC display '${display.id}' has ${clients.length} connected client(s) and connected=fail was given; the password is unchanged`,
    );
  }
  display.server.setPassword(password);
  if (connected === 'disconnect') {
    for (const client of clients) display.server.disconnect(client.id, 'the VNC password was changed');
  }
}

/** 'now', 'never', '+N' (seconds from now) or 'N' (seconds since the epoch), as QEMU reads expire_password's time. */
export function parseExpiry(time: string, now: number = Date.now()): Date | 'now' | 'never' {
  if (time === 'now' || time === 'never') return time;
  const match = /^(\+?)(\d{1,15})$/.exec(time);
  if (match === null) throw badValue('time', time, EXPIRE_TIMES);
  const seconds = Number(match[2]);
  const when = new Date(match[1] === '+' ? now + seconds * 1000 : seconds * 1000);
  if (Number.isNaN(when.getTime())) throw badValue('time', time, EXPIRE_TIMES);
  return when;
}

async function reloadCredentials(context: CommandContext): Promise<void> {
  try {
    await context.reload();
  } catch (error) {
    throw new QmpError('GenericError', `reloading the TLS credentials failed: ${errorMessage(error)}`);
  }
}

function versionTriple(version: string): { major: number; minor: number; micro: number } {
  const [major = 0, minor = 0, micro = 0] = version.split(/[.+-]/).map((part) => Number.parseInt(part, 10) || 0);
  return { major, minor, micro };
}

/** `{"qemu": {"major", "minor", "micro"}, "package": "vncd X"}`: vncd's own version in the place QMP clients look. */
export function versionInfo(version: string): { qemu: { major: number; minor: number; micro: number }; package: string } {
  return { qemu: versionTriple(version), package: `vncd ${version}` };
}

export const COMMANDS: ReadonlyMap<string, Command> = new Map<string, Command>([
  [
    'query-vnc',
    (args, context) => {
      args.finish();
      return queryVnc(context.displays[0]);
    },
  ],
  [
    'query-vnc-servers',
    (args, context) => {
      args.finish();
      return queryVncServers(context.displays);
    },
  ],
  [
    'set_password',
    (args, context) => {
      args.requiredChoice('protocol', PROTOCOLS);
      const password = args.requiredString('password');
      const connected = args.choice('connected', SET_PASSWORD_ACTIONS) ?? 'keep';
      const id = args.string('display');
      args.finish();
      setPassword(findDisplay(context, id), password, connected);
      return {};
    },
  ],
  [
    'change-vnc-password',
    (args, context) => {
      const password = args.requiredString('password');
      args.finish();
      setPassword(findDisplay(context, undefined), password, 'keep');
      return {};
    },
  ],
  [
    'expire_password',
    (args, context) => {
      args.requiredChoice('protocol', PROTOCOLS);
      const when = parseExpiry(args.requiredString('time'));
      const id = args.string('display');
      args.finish();
      const display = findDisplay(context, id);
      requirePasswordAuth(display, 'expire_password');
      display.server.expirePassword(when);
      return {};
    },
  ],
  [
    'display-reload',
    async (args, context) => {
      args.requiredChoice('type', RELOAD_TYPES);
      const certs = args.bool('tls-certs') ?? false;
      args.finish();
      if (certs) await reloadCredentials(context);
      return {};
    },
  ],
  [
    'vncd-disconnect',
    (args, context) => {
      const client = args.requiredInteger('client', 1, MAX_CLIENT_ID);
      const id = args.string('display');
      const reason = args.string('reason') ?? 'disconnected from the monitor';
      args.finish();
      const display = findDisplay(context, id);
      if (!display.server.disconnect(client, reason)) {
        const ids = display.server.info().clients.map((info) => info.id).join(', ') || 'none';
        throw new QmpError('GenericError', `VNC display '${display.id}' has no client ${client} (clients: ${ids})`);
      }
      return {};
    },
  ],
  [
    'query-version',
    (args, context) => {
      args.finish();
      return versionInfo(context.version);
    },
  ],
  [
    'query-commands',
    (args) => {
      args.finish();
      return ['qmp_capabilities', ...COMMANDS.keys()].map((name) => ({ name }));
    },
  ],
]);
