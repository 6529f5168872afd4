import type { Channel } from '../../io';
import type { PowerAction } from '../display';
import { VncError, VncErrorCode } from '../errors';
import { ClientMessageType, MAX_FENCE_PAYLOAD, QemuClientSubtype, XVP_VERSION, XvpCode } from './constants';
import { decodeExtendedClipboard, DEFAULT_MAX_CLIPBOARD_INFLATE, type ExtendedClipboardMessage } from './extended-clipboard';
import { checkPixelFormat, decodePixelFormat, validatePixelFormat, type PixelFormat } from './pixel-format';
import { readScreens, SCREEN_LENGTH, type Screen } from './screen-layout';

export type ClientMessage =
  | { readonly type: 'set-pixel-format'; readonly format: PixelFormat }
  | { readonly type: 'set-encodings'; readonly encodings: readonly number[] }
  | {
      readonly type: 'update-request';
      readonly incremental: boolean;
      readonly x: number;
      readonly y: number;
      readonly width: number;
      readonly height: number;
    }
  | { readonly type: 'key'; readonly down: boolean; readonly keysym: number }
  | { readonly type: 'pointer'; readonly buttons: number; readonly x: number; readonly y: number }
  | { readonly type: 'cut-text'; readonly text: string }
  /**
   * Clipboard data that was not kept: text (or an extended clipboard message)
   * longer than maxCutText, read and thrown away in chunks; or extended
   * clipboard data that inflates past maxClipboardInflate, stopped at the cap.
   * `length` is the message's length on the wire.
   */
  | { readonly type: 'cut-text-dropped'; readonly length: number; readonly reason: 'too-long' | 'inflates-too-far' }
  /** ClientCutText with a negative length, once the server has sent its extended clipboard caps. */
  | { readonly type: 'extended-clipboard'; readonly clipboard: ExtendedClipboardMessage }
  /** EnableContinuousUpdates (150). */
  | {
      readonly type: 'continuous-updates';
      readonly enable: boolean;
      readonly x: number;
      readonly y: number;
      readonly width: number;
      readonly height: number;
    }
  /**
   * ClientFence (248). `flags` are as sent, unknown bits included (FenceFlag);
   * with FenceFlag.REQUEST it wants an answer, without it it answers a server fence.
   */
  | { readonly type: 'fence'; readonly flags: number; readonly payload: Buffer }
  /**
   * xvp Client Message (250): a power request, as sent. `action` is missing for
   * a version other than 1 or an unknown code: the server answers those with
   * XVP_FAIL rather than dropping the client.
   */
  | { readonly type: 'xvp'; readonly version: number; readonly code: number; readonly action?: PowerAction }
  /** SetDesktopSize (251), structure only: check the layout with checkScreenLayout. */
  | { readonly type: 'set-desktop-size'; readonly width: number; readonly height: number; readonly screens: readonly Screen[] }
  /**
   * QEMU extended key event (255/0). `keycode` is QEMU's XT numbering: the XT
   * make scancode for one-byte codes, 0x80 | second byte for 0xe0-prefixed ones
   * (Right arrow, e0 4d, is 0xcd); Print Screen is 0x54 (0xb7 also seen), Pause 0xc6.
   * Clients send it only after the server's -258 pseudo-rectangle.
   */
  | { readonly type: 'qemu-key'; readonly down: boolean; readonly keysym: number; readonly keycode: number };

export interface ClientMessageLimits {
  /** Most encodings accepted in one SetEncodings (real clients send fewer than 64). */
  readonly maxEncodings: number;
  /** Longest ClientCutText delivered (extended: its |length|); longer ones are skipped in chunks. */
  readonly maxCutText: number;
  /** Most bytes an extended clipboard provide may inflate to; default DEFAULT_MAX_CLIPBOARD_INFLATE (1 MiB). */
  readonly maxClipboardInflate?: number;
  /** Most screens accepted in one SetDesktopSize; default DEFAULT_MAX_SCREENS (16). */
  readonly maxScreens?: number;
}

/** What the session has negotiated so far, where it changes how a message reads. */
export interface ClientMessageContext {
  /** The server has sent its extended clipboard caps: a negative ClientCutText length is that format. */
  readonly extendedClipboard: boolean;
}

/** Real clients send one screen; TigerVNC's viewer one per monitor. */
export const DEFAULT_MAX_SCREENS = 16;

const NOTHING_NEGOTIATED: ClientMessageContext = { extendedClipboard: false };

type MessageReader = (channel: Channel, limits: ClientMessageLimits, context: ClientMessageContext) => Promise<ClientMessage>;

const DISCARD_CHUNK = 64 * 1024;

function protocolError(message: string): VncError {
  return new VncError(VncErrorCode.PROTOCOL, message);
}

/**
 * ClientCutText (6). A negative length is the extended clipboard format, valid
 * only once the server has sent its caps; its |length| is capped like text.
 */
async function readCutText(channel: Channel, limits: ClientMessageLimits, context: ClientMessageContext): Promise<ClientMessage> {
  const length = (await channel.read(7)).readInt32BE(3);
  if (length < 0 && !context.extendedClipboard) {
    throw protocolError(`ClientCutText with negative length ${length}, but the extended clipboard was not negotiated`);
  }
  const size = Math.abs(length);
  if (size > limits.maxCutText) {
    for (let left = size; left > 0; left -= DISCARD_CHUNK) await channel.read(Math.min(left, DISCARD_CHUNK));
    return { type: 'cut-text-dropped', length: size, reason: 'too-long' };
  }
  if (length >= 0) return { type: 'cut-text', text: (await readLong(channel, size)).toString('latin1') };
  if (size < 4) throw protocolError(`extended ClientCutText of ${size} bytes (the flags alone need 4)`);
  const clipboard = decodeExtendedClipboard(
    await readLong(channel, size),
    limits.maxClipboardInflate ?? DEFAULT_MAX_CLIPBOARD_INFLATE,
  );
  if (clipboard === undefined) return { type: 'cut-text-dropped', length: size, reason: 'inflates-too-far' };
  return { type: 'extended-clipboard', clipboard };
}

/** `length` bytes read in chunks, so a limit above the channel's maxRead still works. */
async function readLong(channel: Channel, length: number): Promise<Buffer> {
  if (length <= DISCARD_CHUNK) return channel.read(length);
  const chunks: Buffer[] = [];
  for (let left = length; left > 0; left -= DISCARD_CHUNK) chunks.push(await channel.read(Math.min(left, DISCARD_CHUNK)));
  return Buffer.concat(chunks, length);
}

/** The xvp codes a client may send (version 1), by what they ask for. */
const XVP_ACTIONS: ReadonlyMap<number, PowerAction> = new Map<number, PowerAction>([
  [XvpCode.SHUTDOWN, 'shutdown'],
  [XvpCode.REBOOT, 'reboot'],
  [XvpCode.RESET, 'reset'],
]);

/** One small reader per message type; the type byte has already been read. */
const readers: ReadonlyMap<number, MessageReader> = new Map<number, MessageReader>([
  [
    ClientMessageType.SET_PIXEL_FORMAT,
    async (channel) => {
      const body = await channel.read(3 + 16);
      const wire = decodePixelFormat(body, 3);
      const problem = validatePixelFormat(wire);
      if (problem !== undefined) throw protocolError(`SetPixelFormat refused: ${problem}`);
      return { type: 'set-pixel-format', format: checkPixelFormat(wire) };
    },
  ],
  [
    ClientMessageType.SET_ENCODINGS,
    async (channel, limits) => {
      const count = (await channel.read(3)).readUInt16BE(1);
      if (count > limits.maxEncodings) {
        throw protocolError(`SetEncodings with ${count} encodings (at most ${limits.maxEncodings} accepted)`);
      }
      const body = await channel.read(count * 4);
      const encodings: number[] = [];
      for (let offset = 0; offset < body.length; offset += 4) encodings.push(body.readInt32BE(offset));
      return { type: 'set-encodings', encodings };
    },
  ],
  [
    ClientMessageType.FRAMEBUFFER_UPDATE_REQUEST,
    async (channel) => {
      const body = await channel.read(9);
      return {
        type: 'update-request',
        incremental: body.readUInt8(0) !== 0,
        x: body.readUInt16BE(1),
        y: body.readUInt16BE(3),
        width: body.readUInt16BE(5),
        height: body.readUInt16BE(7),
      };
    },
  ],
  [
    ClientMessageType.KEY_EVENT,
    async (channel) => {
      const body = await channel.read(7);
      return { type: 'key', down: body.readUInt8(0) !== 0, keysym: body.readUInt32BE(3) };
    },
  ],
  [
    ClientMessageType.POINTER_EVENT,
    async (channel) => {
      const body = await channel.read(5);
      return { type: 'pointer', buttons: body.readUInt8(0), x: body.readUInt16BE(1), y: body.readUInt16BE(3) };
    },
  ],
  [ClientMessageType.CLIENT_CUT_TEXT, readCutText],
  [
    ClientMessageType.ENABLE_CONTINUOUS_UPDATES,
    async (channel) => {
      const body = await channel.read(9);
      return {
        type: 'continuous-updates',
        enable: body.readUInt8(0) !== 0,
        x: body.readUInt16BE(1),
        y: body.readUInt16BE(3),
        width: body.readUInt16BE(5),
        height: body.readUInt16BE(7),
      };
    },
  ],
  [
    ClientMessageType.FENCE,
    async (channel) => {
      const head = await channel.read(3 + 4 + 1);
      const flags = head.readUInt32BE(3);
      const length = head.readUInt8(7);
      if (length > MAX_FENCE_PAYLOAD) {
        throw protocolError(`ClientFence with a ${length}-byte payload (at most ${MAX_FENCE_PAYLOAD})`);
      }
      return { type: 'fence', flags, payload: await channel.read(length) };
    },
  ],
  [
    ClientMessageType.XVP,
    async (channel) => {
      const body = await channel.read(1 + 1 + 1);
      const version = body.readUInt8(1);
      const code = body.readUInt8(2);
      const action = version === XVP_VERSION ? XVP_ACTIONS.get(code) : undefined;
      return { type: 'xvp', version, code, ...(action !== undefined && { action }) };
    },
  ],
  [
    ClientMessageType.SET_DESKTOP_SIZE,
    async (channel, limits) => {
      const head = await channel.read(1 + 2 + 2 + 1 + 1);
      const count = head.readUInt8(5);
      const maxScreens = limits.maxScreens ?? DEFAULT_MAX_SCREENS;
      if (count > maxScreens) {
        throw protocolError(`SetDesktopSize with ${count} screens (at most ${maxScreens} accepted)`);
      }
      const body = await channel.read(count * SCREEN_LENGTH);
      return { type: 'set-desktop-size', width: head.readUInt16BE(1), height: head.readUInt16BE(3), screens: readScreens(body, 0, count) };
    },
  ],
  [
    ClientMessageType.QEMU,
    async (channel) => {
      const [subtype = -1] = await channel.read(1);
      if (subtype === QemuClientSubtype.AUDIO) {
        // Allowed only after the server's -259 pseudo-rectangle, which vncd never sends.
        throw protocolError('QEMU audio message (255/1), but the server never offered audio');
      }
      if (subtype !== QemuClientSubtype.EXTENDED_KEY_EVENT) throw protocolError(`unknown QEMU message subtype ${subtype}`);
      const body = await channel.read(2 + 4 + 4);
      return { type: 'qemu-key', down: body.readUInt16BE(0) !== 0, keysym: body.readUInt32BE(2), keycode: body.readUInt32BE(6) };
    },
  ],
]);

/** Reads the next whole message from a client, validated; a violation throws VncError VNC_PROTOCOL. */
export async function readClientMessage(
  channel: Channel,
  limits: ClientMessageLimits,
  context: ClientMessageContext = NOTHING_NEGOTIATED,
): Promise<ClientMessage> {
  const [type = -1] = await channel.read(1);
  const reader = readers.get(type);
  if (!reader) throw protocolError(`unknown client message type ${type}`);
  return reader(channel, limits, context);
}
