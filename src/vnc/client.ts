import type { RandomSource } from '../crypto';
import { IoError, IoErrorCode, formatAddress, type Channel, type SocketAddress } from '../io';
import type { AuthName, SecurityHandler } from './auth/security';
import { capabilitiesOf, NO_CAPABILITIES, type Capabilities } from './capabilities';
import { ClientUpdates, type LayoutReason, type PseudoUpdate } from './client-updates';
import type { Display } from './display';
import { chooseEncoder, type EncodedRect, type EncoderFactory, type EncodeSettings, type RectEncoder } from './encoders';
import { VncError, VncErrorCode } from './errors';
import { colourMapFor, encodeSetColourMapEntries } from './framebuffer/colour-map';
import type { Rect } from './framebuffer/rect';
import { createTranslator, type PixelSource, type Translator } from './framebuffer/translate';
import { handshake, type HandshakeResult, type HandshakeSession } from './handshake';
import type { Logger } from './logger';
import { readClientMessage, type ClientMessage, type ClientMessageLimits } from './protocol/client-messages';
import { BGRX32, bytesPerPixel, describePixelFormat, encodePixelFormat, type PixelFormat } from './protocol/pixel-format';
import { bell, serverCutText } from './protocol/server-messages';
import { MessageWriter } from './protocol/writer';
import { buildUpdate } from './update-builder';
import { OutputPump } from './output-pump';

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
  /** The pixel encoding in use ('raw', 'zrle', 'tight', ...). */
  readonly encoding?: string;
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

/** One connection, from the version exchange to the close. */
export class ClientSession {
  private readonly connection: HandshakeSession;
  private phase: Phase = 'handshake';
  private auth: HandshakeResult | undefined;
  private shared: boolean | undefined;
  private format: PixelFormat;
  private translator: Translator;
  private capabilities: Capabilities = NO_CAPABILITIES;
  private encoderFactory: EncoderFactory | undefined;
  private encoder: RectEncoder | undefined;
  private settings: EncodeSettings;
  /** Pseudo-encodings this client was already told about once (ExtendedDesktopSize, key events…). */
  private greeted = new Set<PseudoUpdate['kind']>();
  private updates: ClientUpdates | undefined;
  private readonly output: OutputPump;
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
    this.output = new OutputPump(this, () => this.outputLimit(), () => this.nextUpdate());
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
      encodings: this.capabilities.encodings,
      ...(this.encoderFactory && { encoding: this.encoderFactory.name }),
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
  resized(width: number, height: number, reason: LayoutReason): void {
    if (!this.updates) return;
    this.updates.resize(width, height, reason);
    this.scheduleUpdate();
  }

  /** The display's cursor, LEDs, name or pointer mode changed: tell the client if it can take it. */
  pseudoChanged(kind: 'cursor' | 'leds' | 'name' | 'pointer-mode'): void {
    if (!this.updates || !this.accepts(kind)) return;
    this.updates.addPseudo({ kind });
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
    const capabilities = capabilitiesOf(encodings);
    this.capabilities = capabilities;
    this.settings = {
      lossy: this.host.lossy,
      ...(capabilities.compressLevel !== undefined && { compressLevel: capabilities.compressLevel }),
      ...(capabilities.qualityLevel !== undefined && { qualityLevel: capabilities.qualityLevel }),
    };
    if (this.updates) {
      this.updates.copyRect = capabilities.copyRect;
      this.greet();
    }
    const factory = chooseEncoder(encodings, this.host.encoders);
    if (factory !== this.encoderFactory) {
      this.encoder?.dispose?.();
      this.encoderFactory = factory;
      this.encoder = factory.create();
    }
    this.host.logger.debug(`${this.label}: encodings [${encodings.join(', ')}], using ${factory.name}`);
  }

  /**
   * What a client learns once it says it understands a pseudo-encoding: the
   * display's current cursor and LEDs, the screen layout (noVNC enables remote
   * resize only after it has seen one), and QEMU's acknowledgements.
   */
  private greet(): void {
    const { display } = this.host;
    const news: PseudoUpdate[] = [];
    if (display.cursor) news.push({ kind: 'cursor' });
    if (display.leds) news.push({ kind: 'leds' });
    news.push({ kind: 'layout', reason: 'server', status: 'ok' }, { kind: 'qemu-key-ack' }, { kind: 'pointer-mode' });
    for (const update of news) {
      const once = update.kind === 'layout' || update.kind === 'qemu-key-ack' || update.kind === 'pointer-mode';
      if (!this.accepts(update.kind) || (once && this.greeted.has(update.kind))) continue;
      this.greeted.add(update.kind);
      this.updates?.addPseudo(update);
    }
    this.scheduleUpdate();
  }

  /** Whether this client said it understands the pseudo-encoding for that kind of news. */
  private accepts(kind: PseudoUpdate['kind']): boolean {
    const c = this.capabilities;
    switch (kind) {
      case 'cursor':
        return c.cursor || c.cursorWithAlpha;
      case 'leds':
        return c.qemuLedState;
      case 'name':
        return c.desktopName;
      case 'pointer-mode':
        return c.qemuPointerMotion;
      case 'qemu-key-ack':
        return c.qemuKeyEvent;
      case 'layout':
        return c.extendedDesktopSize;
    }
  }

  /** Output is bounded: over the limit nothing new is produced until the queue drains. */
  private outputLimit(): number {
    const { width, height } = this.host.display;
    return Math.max(MIN_OUTPUT_LIMIT, width * height * bytesPerPixel(this.format));
  }

  private scheduleUpdate(): void {
    this.output.schedule();
  }

  private send(chunks: readonly Uint8Array[]): void {
    this.output.send(chunks);
  }

  /** The next update for the pump: taken from what is pending, encoded, and dropped if the format changed meanwhile. */
  private nextUpdate(): Promise<Uint8Array[] | undefined> | undefined {
    const plan = this.updates?.take();
    if (plan === undefined) return undefined;
    if (plan.kind === 'resize' && !this.capabilities.desktopSize && !this.capabilities.extendedDesktopSize) {
      this.close('the desktop was resized and the client cannot follow (it did not ask for DesktopSize)');
      return undefined;
    }
    const generation = this.formatGeneration;
    const encoder = this.encoder ?? (this.encoder = chooseEncoder([], this.host.encoders).create());
    const context = {
      capabilities: this.capabilities,
      encoder,
      source: this.host.source,
      translator: this.translator,
      settings: this.settings,
      pseudoRect: (update: PseudoUpdate) => this.pseudoRect(update),
    };
    return buildUpdate(plan, context).then((chunks) => {
      if (generation === this.formatGeneration) return chunks;
      // Encoded for a pixel format the client has since replaced: send the screen again instead.
      this.updates?.markAllDirty();
      this.updates?.request(true, { x: 0, y: 0, w: this.host.display.width, h: this.host.display.height });
      return undefined;
    });
  }

  private pseudoRect(update: PseudoUpdate): EncodedRect | undefined {
    void update;
    return undefined;
  }
}

/** The log line's reason for how a session ended. */
function describeEnd(error: unknown): string {
  if (error instanceof IoError && error.code === IoErrorCode.EOF) return 'client closed the connection';
  if (error instanceof IoError && error.code === IoErrorCode.CLOSED) return 'connection closed';
  if (error instanceof VncError) return error.message;
  if (error instanceof Error) return `error: ${error.message}`;
  return `error: ${String(error)}`;
}
