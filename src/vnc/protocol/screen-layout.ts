/**
 * The SCREEN structure shared by SetDesktopSize and ExtendedDesktopSize
 * (rfbproto "Screen Model"), and the layout rules a server applies before
 * accepting a client's request.
 */
import { VncError, VncErrorCode } from '../errors';
import { MAX_FRAMEBUFFER_SIDE } from '../framebuffer/rect';
import { DesktopSizeStatus } from './constants';
import type { MessageWriter } from './writer';

/** One screen: a viewport into the framebuffer. */
export interface Screen {
  /** Chosen by whoever created the screen; kept across changes. */
  readonly id: number;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  /** Unused so far; unknown bits must be kept as they came. */
  readonly flags: number;
}

/** Wire size of one SCREEN: u32 id, u16 x, y, width, height, u32 flags. */
export const SCREEN_LENGTH = 16;

/** The spec's ceiling: the count is one byte. */
export const MAX_SCREENS = 255;

/** `count` screens from `bytes` at `offset`; the caller has checked the length. */
export function readScreens(bytes: Buffer, offset: number, count: number): Screen[] {
  const screens: Screen[] = [];
  for (let at = offset, i = 0; i < count; i++, at += SCREEN_LENGTH) {
    screens.push({
      id: bytes.readUInt32BE(at),
      x: bytes.readUInt16BE(at + 4),
      y: bytes.readUInt16BE(at + 6),
      width: bytes.readUInt16BE(at + 8),
      height: bytes.readUInt16BE(at + 10),
      flags: bytes.readUInt32BE(at + 12),
    });
  }
  return screens;
}

/** Appends the screens; throws VncError when a field does not fit its wire type. */
export function writeScreens(writer: MessageWriter, screens: readonly Screen[]): MessageWriter {
  if (screens.length > MAX_SCREENS) {
    throw new VncError(VncErrorCode.OUT_OF_BOUNDS, `${screens.length} screens (the count is one byte: at most ${MAX_SCREENS})`);
  }
  for (const s of screens) {
    checkField('screen id', s.id, 0xffff_ffff);
    checkField('screen flags', s.flags, 0xffff_ffff);
    for (const [name, v] of [['x', s.x], ['y', s.y], ['width', s.width], ['height', s.height]] as const) {
      checkField(`screen ${name}`, v, 0xffff);
    }
    writer.u32(s.id).u16(s.x).u16(s.y).u16(s.width).u16(s.height).u32(s.flags);
  }
  return writer;
}

/** The one screen a single-head server reports: the whole framebuffer. */
export function singleScreen(width: number, height: number, id = 0): Screen[] {
  return [{ id, x: 0, y: 0, width, height, flags: 0 }];
}

export interface LayoutProblem {
  readonly status: DesktopSizeStatus;
  readonly reason: string;
}

/**
 * Why a requested framebuffer size and layout cannot be applied, as the
 * status to answer with, or undefined when it is valid. Rules: size 1..maxSide,
 * at least one screen, each screen non-empty and inside the framebuffer, ids unique.
 * Screens may overlap (the spec allows it).
 */
export function checkScreenLayout(
  width: number,
  height: number,
  screens: readonly Screen[],
  maxSide: number = MAX_FRAMEBUFFER_SIDE,
): LayoutProblem | undefined {
  if (width < 1 || height < 1) return invalid(`framebuffer ${width}x${height} is empty`);
  if (width > maxSide || height > maxSide) {
    return { status: DesktopSizeStatus.OUT_OF_RESOURCES, reason: `framebuffer ${width}x${height} is larger than ${maxSide} per side` };
  }
  if (screens.length === 0) return invalid('no screens');
  const ids = new Set<number>();
  for (const s of screens) {
    if (ids.has(s.id)) return invalid(`screen id ${s.id} appears twice`);
    ids.add(s.id);
    if (s.width < 1 || s.height < 1) return invalid(`screen ${s.id} is empty (${s.width}x${s.height})`);
    if (s.x + s.width > width || s.y + s.height > height) {
      return invalid(`screen ${s.id} (${s.width}x${s.height}+${s.x}+${s.y}) reaches outside the ${width}x${height} framebuffer`);
    }
  }
  return undefined;
}

function invalid(reason: string): LayoutProblem {
  return { status: DesktopSizeStatus.INVALID_LAYOUT, reason };
}

function checkField(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new VncError(VncErrorCode.OUT_OF_BOUNDS, `${name} ${value} is not an integer between 0 and ${max}`);
  }
}
