import { Encoding } from './protocol/constants';

/** What a client said it understands in its SetEncodings, in a form the session can ask about. */
export interface Capabilities {
  readonly encodings: readonly number[];
  readonly copyRect: boolean;
  readonly desktopSize: boolean;
  readonly extendedDesktopSize: boolean;
  readonly desktopName: boolean;
  readonly cursor: boolean;
  readonly cursorWithAlpha: boolean;
  readonly qemuKeyEvent: boolean;
  readonly qemuPointerMotion: boolean;
  readonly qemuLedState: boolean;
  readonly fence: boolean;
  readonly continuousUpdates: boolean;
  readonly extendedClipboard: boolean;
  /** The xvp pseudo-encoding (-309): power requests, when the server allows them. */
  readonly xvp: boolean;
  /** 0–9 from the CompressLevel pseudo-encodings (-256…-247), the first one listed. */
  readonly compressLevel?: number;
  /** 0–9 from the JPEG QualityLevel pseudo-encodings (-32…-23), the first one listed. */
  readonly qualityLevel?: number;
}

export function capabilitiesOf(encodings: readonly number[]): Capabilities {
  const has = (encoding: number): boolean => encodings.includes(encoding);
  const compress = encodings.find((e) => e >= Encoding.COMPRESS_LEVEL_0 && e <= Encoding.COMPRESS_LEVEL_0 + 9);
  const quality = encodings.find((e) => e >= Encoding.JPEG_QUALITY_LEVEL_0 && e <= Encoding.JPEG_QUALITY_LEVEL_0 + 9);
  return {
    encodings,
    copyRect: has(Encoding.COPY_RECT),
    desktopSize: has(Encoding.DESKTOP_SIZE),
    extendedDesktopSize: has(Encoding.EXTENDED_DESKTOP_SIZE),
    desktopName: has(Encoding.DESKTOP_NAME),
    cursor: has(Encoding.CURSOR),
    cursorWithAlpha: has(Encoding.CURSOR_WITH_ALPHA),
    qemuKeyEvent: has(Encoding.QEMU_EXTENDED_KEY_EVENT),
    qemuPointerMotion: has(Encoding.QEMU_POINTER_MOTION_CHANGE),
    qemuLedState: has(Encoding.QEMU_LED_STATE),
    fence: has(Encoding.FENCE),
    continuousUpdates: has(Encoding.CONTINUOUS_UPDATES),
    extendedClipboard: has(Encoding.EXTENDED_CLIPBOARD),
    xvp: has(Encoding.XVP),
    ...(compress !== undefined && { compressLevel: compress - Encoding.COMPRESS_LEVEL_0 }),
    ...(quality !== undefined && { qualityLevel: quality - Encoding.JPEG_QUALITY_LEVEL_0 }),
  };
}

/** Before SetEncodings, a client is known to understand Raw only. */
export const NO_CAPABILITIES: Capabilities = capabilitiesOf([]);
