// The small part of noVNC (npm @novnc/novnc, plain JavaScript) that the tests use as an oracle.
declare module '@novnc/novnc/core/websock.js' {
  export default class Websock {
    _recvMessage(event: { data: ArrayBuffer }): void;
    _eventHandlers: { message: () => void };
    rQlen(): number;
    init(): void;
  }
}

declare module '@novnc/novnc/core/decoders/*.js' {
  export interface NovncDisplay {
    fillRect(x: number, y: number, w: number, h: number, colour: readonly number[], fromQueue?: boolean): void;
    blitImage(x: number, y: number, w: number, h: number, rgbx: Uint8Array, offset: number, fromQueue?: boolean): void;
    copyImage(oldX: number, oldY: number, newX: number, newY: number, w: number, h: number, fromQueue?: boolean): void;
    imageRect(x: number, y: number, w: number, h: number, mime: string, data: Uint8Array): void;
  }
  export default class Decoder {
    decodeRect(x: number, y: number, w: number, h: number, sock: unknown, display: NovncDisplay, depth: number): boolean;
  }
}
