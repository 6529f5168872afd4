import type { RandomSource } from '../crypto';
import { IoError, IoErrorCode, formatAddress, type Channel, type SocketAddress } from '../io';
import type { AuthName, SecurityHandler } from './auth/security';
import { ClientUpdates, type UpdatePlan } from './client-updates';
import type { Display } from './display';
import { chooseEncoder, copyRect, type EncodedRect, type EncoderFactory, type EncodeSettings, type RectEncoder } from './encoders';
import { VncError, VncErrorCode } from './errors';
import { colourMapFor, encodeSetColourMapEntries } from './framebuffer/colour-map';
import type { Rect } from './framebuffer/rect';
import { createTranslator, type PixelSource, type Translator } from './framebuffer/translate';
import { handshake, type HandshakeResult, type HandshakeSession } from './handshake';
import type { Logger } from './logger';
import { readClientMessage, type ClientMessage, type ClientMessageLimits } from './protocol/client-messages';
import { Encoding } from './protocol/constants';
import { BGRX32, bytesPerPixel, describePixelFormat, encodePixelFormat, type PixelFormat } from './protocol/pixel-format';
import { bell, framebufferUpdateHeader, rectangleHeader, serverCutText } from './protocol/server-messages';
import { MessageWriter } from './protocol/writer';

/** What a session needs from its server. */
export interface SessionHost {
  readonly display: Display;
  /** The server's copy of the display: what updates are encoded from. */
  readonly source: PixelSource;
  readonly security: readonly SecurityHandler[];
  readonly random: RandomSource;
  readonly logger: Logger;
  readonly limits: ClientMessageLimits;
  /** Whether encoders may send lossy pixels (JPEG) to clients that ask for them. */
  readonly lossy: boolean;
  /** The pixel encodings this server may use. */
  readonly encoders: ReadonlyMap<number, EncoderFactory>;
  /** Applies the share policy to a client's ClientInit; a string is the reason to turn it away. */
  admit(session: ClientSession, shared: boolean): string | undefined;
  initialized(session: ClientSession): void;
  closed(session: ClientSession, reason: string): void;
  /** Hands viewer input to the embedder; never throws. */
  input(session: ClientSession, message: Extract<ClientMessage, { type: 'key' | 'pointer' | 'cut-text' }>): void;
}

/** A client as the server's info() and events describe it, in QEMU's vocabulary. */
export interface ClientInfo {
  readonly id: number;
  readonly host: string;
  /** The peer port (or path), as QEMU's `service`. */
  readonly service: string;
  readonly family: SocketAddress['family'] | 'unknown';
  readonly websocket: boolean;
  readonly auth?: AuthName;
  readonly username?: string;
  readonly version?: string;
  readonly shared?: boolean;
  readonly pixelFormat?: string;
  readonly encodings: readonly number[];
  readonly bytesSent: number;
  /** Output waiting for the client to read it: large means a slow or stalled viewer. */
  readonly queuedBytes: number;
}

type Phase = 'handshake' | 'running' | 'closed';

/**
 * What ServerInit announces, whatever the display's own format: 32 bpp rgb888
 * little-endian, as QEMU does. Clients that never send SetPixelFormat use it as
 * is, and gtk-vnc 1.3 (gvnccapture) only decodes correctly with this format.
 */
const SERVER_INIT_FORMAT = BGRX32;

const MIN_OUTPUT_LIMIT = 1024 * 1024;
/** A client whose queue passes this many times its limit has stopped reading: it is dropped. */
const DROP_FACTOR = 5;

/** One connection, from the version exchange to the close. */
export class ClientSession {
  private readonly connection: HandshakeSession;
  private phase: Phase = 'handshake';
  private auth: HandshakeResult | undefined;
  private shared: boolean | undefined;
  private format: PixelFormat;
  private translator: Translator;
  private encodings: readonly number[] = [];
  private encoderFactory: EncoderFactory | undefined;
  private encoder: RectEncoder | undefined;
  private settings: EncodeSettings;
  private desktopSize = false;
  private updates: ClientUpdates | undefined;
  private updateScheduled = false;
  private updateInFlight = false;
  private waitingForDrain = false;
  /** Bumped by SetPixelFormat: an update encoded for an older format is thrown away. */
  private formatGeneration = 0;

  constructor(
    readonly id: number,
    channel: Channel,
    private readonly host: SessionHost,
  ) {
    this.connection = { channel };
    this.format = SERVER_INIT_FORMAT;
    this.translator = createTranslator(host.display.format, this.format);
    this.settings = { lossy: host.lossy };
  }

  get channel(): Channel {
    return this.connection.channel;
  }

  /** True once ServerInit has been sent and until the close. */
  get isRunning(): boolean {
    return this.phase === 'running';
  }

  /** True when it asked for exclusive access and got it. */
  get exclusive(): boolean {
    return this.phase === 'running' && this.shared === false;
  }

  /** "client 3 from 127.0.0.1:54321": how every log line names a client. */
  get label(): string {
    const peer = this.channel.facts.peer;
    return `client ${this.id} from ${peer ? formatAddress(peer) : 'unknown'}`;
  }

  /** Runs the connection to its end; never rejects. `refusal` turns the client away after the version exchange. */
  async run(refusal?: string): Promise<void> {
    try {
      this.auth = await handshake(this.connection, {
        security: this.host.security,
        random: this.host.random,
        ...(refusal === undefined ? {} : { refusal }),
      });
      await this.initialise();
      for (;;) this.handle(await readClientMessage(this.channel, this.host.limits));
    } catch (error) {
      this.close(describeEnd(error));
    }
  }

  /** Ends the session (idempotent); `reason` goes to the log and the 'disconnected' event. */
  close(reason: string): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    this.channel.close();
    this.encoder?.dispose?.();
    this.host.closed(this, reason);
  }

  info(): ClientInfo {
    const peer = this.channel.facts.peer;
    const address =
      peer === undefined
        ? { host: '', service: '', family: 'unknown' as const }
        : peer.family === 'unix'
          ? { host: 'localhost', service: peer.path, family: peer.family }
          : peer.family === 'memory'
            ? { host: peer.name, service: '', family: peer.family }
            : { host: peer.host, service: String(peer.port), family: peer.family };
    return {
      id: this.id,
      ...address,
      websocket: this.channel.facts.layers.includes('websocket'),
      ...(this.auth && { auth: this.auth.security.name, version: this.auth.version }),
      ...(this.auth?.username !== undefined && { username: this.auth.username }),
      ...(this.shared !== undefined && { shared: this.shared }),
      ...(this.phase === 'running' && { pixelFormat: describePixelFormat(this.format) }),
      encodings: this.encodings,
      bytesSent: this.channel.bytesWritten,
      queuedBytes: this.channel.queuedBytes,
    };
  }

  // ---- what the server tells a running session ----

  damaged(rects: readonly Rect[]): void {
    if (!this.updates || rects.length === 0) return;
    this.updates.markDirty(rects);
    this.scheduleUpdate();
  }

  copied(source: Rect, target: Rect): void {
    if (!this.updates) return;
    this.updates.copy(source, target);
    this.scheduleUpdate();
  }

  /**
   * Whether the client can follow is decided when the resize is sent, not now:
   * a client may be resized before its SetEncodings (saying it supports
   * DesktopSize) has arrived, and must not be dropped for that.
   */
  resized(width: number, height: number): void {
    if (!this.updates) return;
    this.updates.resize(width, height);
    this.scheduleUpdate();
  }

  bell(): void {
    if (this.isRunning) this.send([bell()]);
  }

  clipboard(text: string): void {
    if (this.isRunning) this.send([serverCutText(text)]);
  }

  // ---- inside ----

  private async initialise(): Promise<void> {
    const [sharedFlag = 0] = await this.channel.read(1);
    this.shared = sharedFlag !== 0;
    const refusal = this.host.admit(this, this.shared);
    if (refusal !== undefined) throw new VncError(VncErrorCode.REFUSED, refusal);
    const { display } = this.host;
    const name = Buffer.from(display.name, 'utf8');
    const serverInit = new MessageWriter(24 + name.length)
      .u16(display.width)
      .u16(display.height)
      .bytes(encodePixelFormat(SERVER_INIT_FORMAT))
      .u32(name.length)
      .bytes(name)
      .finish();
    this.updates = new ClientUpdates(display.width, display.height);
    this.send([serverInit]);
    this.phase = 'running';
    this.host.initialized(this);
  }

  private handle(message: ClientMessage): void {
    switch (message.type) {
      case 'set-pixel-format':
        return this.setPixelFormat(message.format);
      case 'set-encodings':
        return this.setEncodings(message.encodings);
      case 'update-request':
        this.updates?.request(message.incremental, { x: message.x, y: message.y, w: message.width, h: message.height });
        return this.scheduleUpdate();
      case 'key':
        return this.host.input(this, message);
      case 'pointer': {
        // Clients may send positions past the edge while dragging; the embedder only sees real pixels.
        const { width, height } = this.host.display;
        const x = Math.min(message.x, Math.max(width - 1, 0));
        const y = Math.min(message.y, Math.max(height - 1, 0));
        return this.host.input(this, { ...message, x, y });
      }
      case 'cut-text':
        return this.host.input(this, message);
      case 'cut-text-dropped':
        this.host.logger.warn(
          `${this.label}: clipboard text of ${message.length} bytes dropped (limit ${this.host.limits.maxCutText})`,
        );
        return;
    }
  }

  private setPixelFormat(format: PixelFormat): void {
    this.format = format;
    this.formatGeneration++;
    if (format.trueColour) {
      this.translator = createTranslator(this.host.display.format, format);
    } else {
      const map = colourMapFor(format);
      this.translator = createTranslator(this.host.display.format, map.trueColourFormat);
      this.send([encodeSetColourMapEntries(0, map.entries)]);
    }
    this.host.logger.debug(`${this.label}: pixel format ${describePixelFormat(format)}`);
    // The client's copy of the screen is not in the new format: start over.
    this.updates?.markAllDirty();
  }

  private setEncodings(encodings: readonly number[]): void {
    this.encodings = encodings;
    this.settings = { lossy: this.host.lossy, ...levelsIn(encodings) };
    this.desktopSize = encodings.includes(Encoding.DESKTOP_SIZE);
    if (this.updates) this.updates.copyRect = encodings.includes(Encoding.COPY_RECT);
    const factory = chooseEncoder(encodings, this.host.encoders);
    if (factory !== this.encoderFactory) {
      this.encoder?.dispose?.();
      this.encoderFactory = factory;
      this.encoder = factory.create();
    }
    this.host.logger.debug(`${this.label}: encodings [${encodings.join(', ')}], using ${factory.name}`);
  }

  /** Several triggers in one turn of the event loop (a burst of damage) make one update. */
  private scheduleUpdate(): void {
    if (this.updateScheduled || !this.isRunning) return;
    this.updateScheduled = true;
    setImmediate(() => {
      this.updateScheduled = false;
      this.sendUpdate();
    });
  }

  /** Output is bounded: over the limit nothing new is produced until the queue drains. */
  private get outputLimit(): number {
    const { width, height } = this.host.display;
    return Math.max(MIN_OUTPUT_LIMIT, width * height * bytesPerPixel(this.format));
  }

  private sendUpdate(): void {
    if (!this.isRunning || !this.updates || this.updateInFlight) return;
    if (this.channel.queuedBytes > this.outputLimit) {
      this.waitForDrain();
      return;
    }
    const plan = this.updates.take();
    if (plan === undefined) return;
    if (plan.kind === 'resize' && !this.desktopSize) {
      this.close('the desktop was resized and the client cannot follow (it did not ask for DesktopSize)');
      return;
    }
    this.updateInFlight = true;
    const generation = this.formatGeneration;
    this.encodeUpdate(plan).then(
      (chunks) => {
        this.updateInFlight = false;
        if (!this.isRunning) return;
        if (generation !== this.formatGeneration) {
          // Encoded for a pixel format the client has since replaced: send the screen again instead.
          this.updates?.markAllDirty();
          this.updates?.request(true, { x: 0, y: 0, w: this.host.display.width, h: this.host.display.height });
        } else {
          this.send(chunks);
        }
        this.scheduleUpdate();
      },
      (error: unknown) => {
        this.updateInFlight = false;
        this.close(`encoding failed: ${error instanceof Error ? error.message : String(error)}`);
      },
    );
  }

  private async encodeUpdate(plan: UpdatePlan): Promise<Uint8Array[]> {
    if (plan.kind === 'resize') {
      return [
        framebufferUpdateHeader(1),
        rectangleHeader({ x: 0, y: 0, w: plan.width, h: plan.height }, Encoding.DESKTOP_SIZE),
      ];
    }
    const encoder = this.encoder ?? (this.encoder = chooseEncoder([], this.host.encoders).create());
    const input = { source: this.host.source, translator: this.translator, settings: this.settings };
    const rects: EncodedRect[] = plan.copies.map(({ source, target }) => copyRect(target, source.x, source.y));
    // One rectangle after another: a later one may read newer pixels than an earlier one,
    // which is harmless, since whatever changed is damage and will be sent again.
    for (const rect of plan.rects) rects.push(...(await encoder.encode({ ...input, rect })));
    const chunks: Uint8Array[] = [framebufferUpdateHeader(rects.length)];
    for (const { rect, encoding, body } of rects) chunks.push(rectangleHeader(rect, encoding), ...body);
    return chunks;
  }

  private waitForDrain(): void {
    if (this.waitingForDrain) return;
    this.waitingForDrain = true;
    this.channel.flush().then(
      () => {
        this.waitingForDrain = false;
        this.scheduleUpdate();
      },
      () => undefined, // closed meanwhile: nothing left to send
    );
  }

  private send(chunks: readonly Uint8Array[]): void {
    this.channel.write(...chunks);
    const queued = this.channel.queuedBytes;
    if (queued > DROP_FACTOR * this.outputLimit) {
      this.close(`client too slow: ${queued} bytes queued, limit ${DROP_FACTOR * this.outputLimit}`);
    }
  }
}

/** The first compression and JPEG quality levels in a SetEncodings list (pseudo-encodings -256…-247, -32…-23). */
function levelsIn(encodings: readonly number[]): { compressLevel?: number; qualityLevel?: number } {
  const compress = encodings.find((e) => e >= Encoding.COMPRESS_LEVEL_0 && e <= Encoding.COMPRESS_LEVEL_0 + 9);
  const quality = encodings.find((e) => e >= Encoding.JPEG_QUALITY_LEVEL_0 && e <= Encoding.JPEG_QUALITY_LEVEL_0 + 9);
  return {
    ...(compress !== undefined && { compressLevel: compress - Encoding.COMPRESS_LEVEL_0 }),
    ...(quality !== undefined && { qualityLevel: quality - Encoding.JPEG_QUALITY_LEVEL_0 }),
  };
}

/** The log line's reason for how a session ended. */
function describeEnd(error: unknown): string {
  if (error instanceof IoError && error.code === IoErrorCode.EOF) return 'client closed the connection';
  if (error instanceof IoError && error.code === IoErrorCode.CLOSED) return 'connection closed';
  if (error instanceof VncError) return error.message;
  if (error instanceof Error) return `error: ${error.message}`;
  return `error: ${String(error)}`;
}
