import type { RandomSource } from '../crypto';
import { formatAddress, type Channel } from '../io';
import type { SecurityHandler } from './auth/security';
import { capabilitiesOf, NO_CAPABILITIES, type Capabilities } from './capabilities';
import { ClientClipboard } from './client-clipboard';
import { ClientUpdates, type PseudoUpdate } from './client-updates';
import type { Display, KeyInput, PointerInput, PowerAction } from './display';
import { chooseEncoder, type EncodedRect, type EncoderFactory, type EncodeSettings, type RectEncoder } from './encoders';
import { acceptsNews, pseudoRectFor } from './pseudo-news';
import { VncError, VncErrorCode } from './errors';
import { colourMapFor, encodeSetColourMapEntries } from './framebuffer/colour-map';
import type { Rect } from './framebuffer/rect';
import { createTranslator, type PixelSource, type Translator } from './framebuffer/translate';
import { handshake, type HandshakeResult, type HandshakeSession } from './handshake';
import type { Logger } from './logger';
import { readClientMessage, type ClientMessage, type ClientMessageLimits } from './protocol/client-messages';
import { BGRX32, bytesPerPixel, describePixelFormat, type PixelFormat } from './protocol/pixel-format';
import { DesktopSizeReason, DesktopSizeStatus, FenceFlag, XvpCode } from './protocol/constants';
import { bell, endOfContinuousUpdates, fenceAnswer, serverFence, serverInit, serverXvp } from './protocol/server-messages';
import { describeEnd, peerInfo, type ClientInfo } from './client-info';
import type { Screen } from './protocol/screen-layout';
import { buildUpdate } from './update-builder';
import { OutputPump } from './output-pump';
import { KeyPacer, MAX_PENDING_KEYS } from './key-pacer';

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
  /** The outcome of a client's authentication (brute-force protection counts failures). */
  authenticated(session: ClientSession, ok: boolean): void;
  /** How long a client may take from connecting to ServerInit. */
  readonly authTimeoutMs: number;
  closed(session: ClientSession, reason: string): void;
  /** Hands viewer input to the embedder (the display's events); never throws. */
  input(session: ClientSession, input: ViewerInput): void;
  /** Least time between two key events delivered from one client (QEMU's key-delay-ms); 0 for none. */
  readonly keyDelayMs: number;
  /** Whether viewers may ask for power actions through xvp (QEMU's power-control). */
  readonly powerControl: boolean;
  /** Hands a power request to the embedder; false when nobody took it (no listener, or it threw). */
  power(session: ClientSession, action: PowerAction): boolean;
  /** A SetDesktopSize. When it resized the display, every client hears through `resized`. */
  requestResize(
    session: ClientSession,
    width: number,
    height: number,
    screens: readonly Screen[],
  ): { readonly resized: boolean; readonly status: DesktopSizeStatus };
}

/** Input from a viewer, on its way to the display's events. */
export type ViewerInput =
  | { readonly kind: 'key'; readonly key: KeyInput }
  | { readonly kind: 'pointer'; readonly pointer: PointerInput }
  | { readonly kind: 'clipboard'; readonly text: string };

type Phase = 'handshake' | 'running' | 'closed';

/**
 * What ServerInit announces, whatever the display's own format: 32 bpp rgb888
 * little-endian, as QEMU does. Clients that never send SetPixelFormat use it as
 * is, and gtk-vnc 1.3 (gvnccapture) only decodes correctly with this format.
 */
const SERVER_INIT_FORMAT = BGRX32;

const MIN_OUTPUT_LIMIT = 1024 * 1024;
/** How long a refused client's reason may take to leave before the connection closes. */
const REFUSAL_DRAIN_MS = 1000;

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
  /** Pseudo-rectangles this client gets only once (QEMU's acknowledgements). */
  private readonly greeted = new Set<PseudoUpdate['kind']>();
  /** Extensions already announced to this client with a message. */
  private readonly announced = new Set<'continuous-updates' | 'fence' | 'xvp'>();
  private updates: ClientUpdates | undefined;
  private readonly output: OutputPump;
  private readonly clipboardState: ClientClipboard;
  private readonly keys: KeyPacer;
  /** A fence answer held back until the next message has been handled (SyncNext). */
  private fenceAfterNext: Buffer | undefined;
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
    this.clipboardState = new ClientClipboard(
      (message) => this.send([message]),
      (text) => this.host.input(this, { kind: 'clipboard', text }),
      host.limits.maxCutText,
    );
    this.keys = new KeyPacer(
      host.keyDelayMs,
      (key) => this.host.input(this, { kind: 'key', key }),
      () => this.host.logger.warn(`${this.label}: more than ${MAX_PENDING_KEYS} key events waiting (key-delay-ms): dropping`),
    );
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
    // A client must authenticate and initialise within the deadline, or a slow
    // trickle of bytes could hold a connection slot forever.
    const deadline = setTimeout(
      () => this.close(`did not finish authenticating within ${this.host.authTimeoutMs / 1000} s`),
      this.host.authTimeoutMs,
    );
    try {
      try {
        this.auth = await handshake(this.connection, {
          security: this.host.security,
          random: this.host.random,
          ...(refusal === undefined ? {} : { refusal }),
        });
        this.host.authenticated(this, true);
      } catch (error) {
        if (error instanceof VncError && error.code === VncErrorCode.AUTH_FAILED) this.host.authenticated(this, false);
        throw error;
      }
      await this.initialise();
      clearTimeout(deadline);
      for (;;) {
        const context = { extendedClipboard: this.clipboardState.isExtended };
        const message = await readClientMessage(this.channel, this.host.limits, context);
        const fence = this.fenceAfterNext;
        this.handle(message);
        if (fence) {
          this.fenceAfterNext = undefined;
          this.send([fence]);
        }
      }
    } catch (error) {
      clearTimeout(deadline);
      // A refused client is told why first (the reason may still be queued, e.g. in TLS).
      if (error instanceof VncError && (error.code === VncErrorCode.AUTH_FAILED || error.code === VncErrorCode.REFUSED)) {
        await this.drain(REFUSAL_DRAIN_MS);
      }
      this.close(describeEnd(error));
    }
  }

  /** Waits until what was written has left (or `ms` pass: a client that does not read is not waited for). */
  private async drain(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    });
    await Promise.race([this.channel.flush().catch(() => undefined), timeout]);
    clearTimeout(timer);
  }

  /** Ends the session (idempotent); `reason` goes to the log and the 'disconnected' event. */
  close(reason: string): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    this.keys.flush();
    this.channel.close();
    this.encoder?.dispose?.();
    this.host.closed(this, reason);
  }

  info(): ClientInfo {
    return {
      id: this.id,
      ...peerInfo(this.channel.facts.peer),
      websocket: this.channel.facts.layers.includes('websocket'),
      ...(this.auth && { auth: this.auth.security.name, version: this.auth.version }),
      ...(this.auth?.subtype !== undefined && { vencrypt: this.auth.subtype }),
      ...(this.channel.facts.tls?.peerDn !== undefined && { x509Dname: this.channel.facts.tls.peerDn }),
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
  resized(width: number, height: number, reason: DesktopSizeReason): void {
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
    if (this.isRunning) this.clipboardState.offer(text);
  }

  // ---- inside ----

  private async initialise(): Promise<void> {
    const [sharedFlag = 0] = await this.channel.read(1);
    this.shared = sharedFlag !== 0;
    const refusal = this.host.admit(this, this.shared);
    if (refusal !== undefined) throw new VncError(VncErrorCode.REFUSED, refusal);
    const { display } = this.host;
    this.updates = new ClientUpdates(display.width, display.height);
    this.send([serverInit(display.width, display.height, SERVER_INIT_FORMAT, display.name)]);
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
        if (!message.incremental && this.capabilities.extendedDesktopSize) {
          // The spec's way for a client to learn the layout, and whether it may ask for another.
          this.updates?.addPseudo({ kind: 'layout', reason: DesktopSizeReason.SERVER, status: DesktopSizeStatus.OK });
        }
        this.updates?.request(message.incremental, { x: message.x, y: message.y, w: message.width, h: message.height });
        return this.scheduleUpdate();
      case 'key':
        return this.keys.push({ keysym: message.keysym, down: message.down });
      case 'qemu-key':
        return this.keys.push({ keysym: message.keysym, down: message.down, scancode: message.keycode });
      case 'pointer':
        return this.pointer(message.buttons, message.x, message.y);
      case 'cut-text':
        return this.host.input(this, { kind: 'clipboard', text: message.text });
      case 'extended-clipboard':
        return this.clipboardState.handle(message.clipboard);
      case 'cut-text-dropped':
        this.host.logger.warn(
          `${this.label}: clipboard text of ${message.length} bytes dropped (${message.reason === 'too-long' ? `limit ${this.host.limits.maxCutText}` : 'inflates past the limit'})`,
        );
        return;
      case 'continuous-updates':
        return this.continuousUpdates(message.enable, { x: message.x, y: message.y, w: message.width, h: message.height });
      case 'fence':
        return this.fence(message.flags, message.payload);
      case 'xvp':
        return this.xvp(message.version, message.action);
      case 'set-desktop-size': {
        const answer = this.host.requestResize(this, message.width, message.height, message.screens);
        if (!answer.resized) {
          this.updates?.addPseudo({ kind: 'layout', reason: DesktopSizeReason.THIS_CLIENT, status: answer.status });
          this.scheduleUpdate();
        }
        return;
      }
    }
  }

  /**
   * Pointer positions are clipped to the screen (clients send positions past the
   * edge while dragging). In relative mode, clients that know QEMU's pointer
   * motion change send movements centred on 0x7fff instead.
   */
  private pointer(buttons: number, x: number, y: number): void {
    if (this.host.display.relativePointer && this.capabilities.qemuPointerMotion) {
      this.host.input(this, { kind: 'pointer', pointer: { relative: true, dx: x - 0x7fff, dy: y - 0x7fff, buttons } });
      return;
    }
    const { width, height } = this.host.display;
    const pointer = { x: Math.min(x, Math.max(width - 1, 0)), y: Math.min(y, Math.max(height - 1, 0)), buttons };
    this.host.input(this, { kind: 'pointer', pointer });
  }

  private continuousUpdates(enable: boolean, area: Rect): void {
    if (!this.capabilities.continuousUpdates) {
      throw new VncError(VncErrorCode.PROTOCOL, 'EnableContinuousUpdates without the ContinuousUpdates pseudo-encoding');
    }
    if (enable) {
      this.updates?.setContinuous(area);
      this.scheduleUpdate();
    } else {
      this.updates?.setContinuous(undefined);
      this.send([endOfContinuousUpdates()]);
    }
  }

  /**
   * A client's fence asks for an answer once everything before it has taken
   * effect. Messages are handled in order and an update encoded for an old pixel
   * format is never sent, so answering now satisfies BlockBefore and BlockAfter;
   * SyncNext wants the answer after the next message.
   */
  private fence(flags: number, payload: Buffer): void {
    if ((flags & FenceFlag.REQUEST) === 0) return; // the answer to our own fence
    const answer = fenceAnswer(flags, payload);
    if (flags & FenceFlag.SYNC_NEXT) this.fenceAfterNext = answer;
    else this.send([answer]);
  }

  /** A power request goes to the embedder when allowed and understood; otherwise the client hears XVP_FAIL. */
  private xvp(version: number, action: PowerAction | undefined): void {
    const allowed = this.host.powerControl && this.capabilities.xvp;
    if (!(allowed && action !== undefined && this.host.power(this, action))) this.send([serverXvp(XvpCode.FAIL, version)]);
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
    this.announceOnce(capabilities);
    const factory = chooseEncoder(encodings, this.host.encoders);
    if (factory !== this.encoderFactory) {
      this.encoder?.dispose?.();
      this.encoderFactory = factory;
      this.encoder = factory.create();
    }
    this.host.logger.debug(`${this.label}: encodings [${encodings.join(', ')}], using ${factory.name}`);
  }

  /**
   * What a client learns when it says it understands a pseudo-encoding: the
   * display's cursor and LEDs, and QEMU's acknowledgements (once each).
   */
  private greet(): void {
    const { display } = this.host;
    const news: PseudoUpdate[] = [];
    if (display.cursor) news.push({ kind: 'cursor' });
    if (display.leds) news.push({ kind: 'leds' });
    if (!this.greeted.has('qemu-key-ack')) news.push({ kind: 'qemu-key-ack' });
    if (!this.greeted.has('pointer-mode')) news.push({ kind: 'pointer-mode' });
    for (const update of news) {
      if (!this.accepts(update.kind)) continue;
      this.greeted.add(update.kind);
      this.updates?.addPseudo(update);
    }
    this.scheduleUpdate();
  }

  /**
   * Messages that tell a client the server supports an extension, sent the
   * first time it lists the extension: EndOfContinuousUpdates, a fence of our
   * own (clients answer it), the extended clipboard's caps, and XVP_INIT (with power control).
   */
  private announceOnce(capabilities: Capabilities): void {
    if (capabilities.continuousUpdates && !this.announced.has('continuous-updates')) {
      this.announced.add('continuous-updates');
      this.send([endOfContinuousUpdates()]);
    }
    if (capabilities.fence && !this.announced.has('fence')) {
      this.announced.add('fence');
      this.send([serverFence(FenceFlag.REQUEST)]);
    }
    if (capabilities.extendedClipboard && !this.clipboardState.isExtended) this.clipboardState.enableExtended();
    if (capabilities.xvp && this.host.powerControl && !this.announced.has('xvp')) {
      this.announced.add('xvp');
      this.send([serverXvp(XvpCode.INIT)]);
    }
  }

  /** Whether this client said it understands the pseudo-encoding for that kind of news. */
  private accepts(kind: PseudoUpdate['kind']): boolean {
    return acceptsNews(this.capabilities, kind);
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
    return pseudoRectFor(update, this.host.display, this.capabilities, this.format);
  }

}
