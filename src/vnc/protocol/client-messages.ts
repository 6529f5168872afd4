import type { Channel } from '../../io';
import { VncError, VncErrorCode } from '../errors';
import { ClientMessageType } from './constants';
import { checkPixelFormat, decodePixelFormat, validatePixelFormat, type PixelFormat } from './pixel-format';

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
  /** Text longer than the limit: it was read and thrown away, never held in memory whole. */
  | { readonly type: 'cut-text-dropped'; readonly length: number };

export interface ClientMessageLimits {
  /** Most encodings accepted in one SetEncodings (real clients send fewer than 64). */
  readonly maxEncodings: number;
  /** Longest ClientCutText delivered; longer text is skipped in chunks. */
  readonly maxCutText: number;
}

type MessageReader = (channel: Channel, limits: ClientMessageLimits) => Promise<ClientMessage>;

const DISCARD_CHUNK = 64 * 1024;

function protocolError(message: string): VncError {
  return new VncError(VncErrorCode.PROTOCOL, message);
}

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
  [
    ClientMessageType.CLIENT_CUT_TEXT,
    async (channel, limits) => {
      const length = (await channel.read(7)).readInt32BE(3);
      // A negative length is the extended clipboard format, valid only once negotiated.
      if (length < 0) throw protocolError(`ClientCutText with negative length ${length}`);
      if (length <= limits.maxCutText) {
        return { type: 'cut-text', text: (await channel.read(length)).toString('latin1') };
      }
      for (let left = length; left > 0; left -= DISCARD_CHUNK) await channel.read(Math.min(left, DISCARD_CHUNK));
      return { type: 'cut-text-dropped', length };
    },
  ],
]);

/** Reads the next whole message from a client, validated; a violation throws VncError VNC_PROTOCOL. */
export async function readClientMessage(channel: Channel, limits: ClientMessageLimits): Promise<ClientMessage> {
  const [type = -1] = await channel.read(1);
  const reader = readers.get(type);
  if (!reader) throw protocolError(`unknown client message type ${type}`);
  return reader(channel, limits);
}
