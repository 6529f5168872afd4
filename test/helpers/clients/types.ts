/**
 * Types shared by the real-client helpers (TigerVNC vncviewer, gtk-vnc gvnccapture).
 *
 * ```ts
 * try {
 *   await captureWithGvnccapture({ host: '127.0.0.1', port, password: 'wrong' });
 * } catch (e) {
 *   if (e instanceof VncClientError && e.failure === 'auth-failed') console.log(e.detail);
 * }
 * ```
 */

/** An image as RGBA bytes, row by row, 4 bytes a pixel (canvas ImageData fits). */
export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  readonly rgba: Uint8Array | Uint8ClampedArray;
}

export type VncClientName = 'tigervnc' | 'gvnccapture';

/** What a client displayed (TigerVNC: its window; gvnccapture: the PNG it saved). */
export interface ClientCapture {
  readonly client: VncClientName;
  readonly width: number;
  readonly height: number;
  /** RGBA, alpha always 255 where the client drew. */
  readonly rgba: Buffer;
  /** The client's log so far (ANSI colours and CRs removed). */
  readonly log: string;
  /** The RFB security type the client chose (from its log), e.g. 1 None, 2 VNC, 19 VeNCrypt. */
  readonly securityType?: number;
}

export type VncClientFailure =
  /** The client program (or a tool the harness needs) is not installed. */
  | 'missing-tool'
  /** The server rejected the credentials (SecurityResult failed). */
  | 'auth-failed'
  /** The server asked for a credential the test did not give. */
  | 'credential-needed'
  /** The TCP connection or the RFB handshake failed. */
  | 'connection-failed'
  /** The client opened a dialog that needs a person (TigerVNC). */
  | 'dialog'
  /** The client exited (or gave up) for another reason. */
  | 'exited'
  /** Nothing conclusive happened in time; the client was killed. */
  | 'timeout'
  /** The client ran but its output could not be read (window, screenshot, PNG). */
  | 'bad-output'
  /** waitForPixels/expectPixels: the client kept showing something else. */
  | 'pixels-differ';

export class VncClientError extends Error {
  override readonly name = 'VncClientError';

  constructor(
    readonly client: VncClientName,
    readonly failure: VncClientFailure,
    /** The client's own words for the failure when it gave any, e.g. "Authentication failure: ...". */
    readonly detail: string,
    /** The client's whole log. */
    readonly log: string,
    /** The last meaningful log lines (already part of the message). */
    logTail: string,
  ) {
    super(`${client}: ${failure}${detail ? `: ${detail}` : ''}${logTail ? `\n--- ${client} log (last lines) ---\n${logTail}` : ''}`);
  }
}

/** Removes terminal colour escapes and carriage returns from client output. */
export function cleanLog(text: string): string {
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');
}

/** The last `count` lines of `text` that `keep` accepts. */
export function lastLines(text: string, count: number, keep: (line: string) => boolean = () => true): string {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '' && keep(l))
    .slice(-count)
    .join('\n');
}
