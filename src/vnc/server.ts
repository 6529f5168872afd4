import { errorMessage } from '../errors';
import { EventEmitter } from 'node:events';
import { defaultCipherRegistry, secureRandom, type Authz, type CipherRegistry, type RandomSource, type TlsCreds } from '../crypto';
import { Listener, type Channel, type ListenAddress, type SocketAddress } from '../io';
import { AuthBlacklist } from './auth/blacklist';
import { noneSecurity } from './auth/none';
import { PasswordState } from './auth/password';
import type { SecurityHandler } from './auth/security';
import type { PlainAuthOptions } from './auth/plain';
import { vencryptSecurity, type VencryptSubtypeName } from './auth/vencrypt';
import { SecurityType } from './protocol/constants';
import { vncSecurity } from './auth/vnc';
import { ClientSession, type SessionHost } from './client';
import type { ClientInfo } from './client-info';
import type { Display, DisplayObserver } from './display';
import { VncError, VncErrorCode } from './errors';
import { encoderFactories, type EncoderFactory } from './encoders';
import { DirtyMap } from './framebuffer/dirty-map';
import type { Rect } from './framebuffer/rect';
import { Shadow } from './framebuffer/shadow';
import type { PixelSource } from './framebuffer/translate';
import { silentLogger, type Logger } from './logger';
import type { ClientMessageLimits } from './protocol/client-messages';
import { DesktopSizeReason, DesktopSizeStatus } from './protocol/constants';
import { checkScreenLayout, type Screen } from './protocol/screen-layout';
import { emitInput, emitPower } from './viewer-events';

/** QEMU's `share=` policies for the ClientInit shared flag. */
export type SharePolicy = 'allow-exclusive' | 'force-shared' | 'ignore';

export interface VncServerOptions {
  readonly display: Display;
  /** 'none' (default) or 'vnc' (VNC password authentication). */
  readonly auth?: 'none' | 'vnc';
  /** The VNC password; with `auth: 'vnc'` and no password every client is refused until one is set. */
  readonly password?: string;
  /**
   * TLS through VeNCrypt (then the only security type offered, as in QEMU). The
   * sub-types default to x509-none/x509-vnc with x509 credentials and
   * tls-none/tls-vnc with anonymous ones, following `auth`.
   */
  readonly tls?: { readonly creds: TlsCreds; /** Allowed client-certificate DNs. */ readonly authz?: Authz };
  /** VeNCrypt sub-types to offer instead of the defaults, e.g. ['x509-plain'], or ['plain'] for wss. */
  readonly vencrypt?: readonly VencryptSubtypeName[];
  /** Users for the Plain sub-types. */
  readonly plain?: PlainAuthOptions;
  /** Offer Plain on transports that are not encrypted (the password then travels in clear). */
  readonly forcePlain?: boolean;
  readonly share?: SharePolicy;
  /** Most clients at once (default 32); more are refused with a reason. */
  readonly maxConnections?: number;
  /**
   * Pixel encodings the server may use, by name ('raw', 'hextile', 'zrle', 'tight', ...);
   * all it has by default. Raw stays available, since every client can decode it.
   */
  readonly encodings?: readonly string[];
  /** Allow lossy encodings (Tight JPEG) for clients that ask for a quality level; off by default, as in QEMU. */
  readonly lossy?: boolean;
  /** Longest clipboard text accepted from a client (default 1 MiB); longer text is dropped. */
  readonly maxCutText?: number;
  /**
   * QEMU's power-control: viewers that support xvp (noVNC's Shutdown/Reboot/Reset)
   * may ask for power actions, delivered as the display's 'power' event. Off by default.
   */
  readonly powerControl?: boolean;
  /**
   * QEMU's key-delay-ms: the least time between two key events of one client
   * reaching the display (they wait in order, up to 1024 per client). 0 (default): none.
   */
  readonly keyDelayMs?: number;
  readonly logger?: Logger;
  /** Where challenges come from; pass a deterministic source in tests only. */
  readonly random?: RandomSource;
  /** How long a client may take to authenticate (default 120 s). */
  readonly authTimeoutMs?: number;
  /** The cipher backends to use (the default registry unless given). */
  readonly ciphers?: CipherRegistry;
}

export interface VncServerEvents {
  /** A connection arrived (before any handshake). */
  connected: [client: ClientInfo];
  /** A client authenticated and received ServerInit. */
  initialized: [client: ClientInfo];
  disconnected: [client: ClientInfo, reason: string];
}

export interface ServerInfo {
  readonly addresses: readonly SocketAddress[];
  readonly auth: 'none' | 'vnc';
  readonly clients: readonly ClientInfo[];
}

const DEFAULT_MAX_CONNECTIONS = 32;
const DEFAULT_AUTH_TIMEOUT_MS = 120_000;
const DEFAULT_MAX_CUT_TEXT = 1024 * 1024;
const MAX_ENCODINGS = 1024;
/** The longest key-delay-ms accepted: 10 s between two keys is already no use for typing. */
const MAX_KEY_DELAY_MS = 10_000;

/**
 * Serves one Display to any number of VNC clients, over listeners it opens or
 * channels the embedder attaches. Keeps one copy of the display's pixels that
 * all clients are encoded from, so damage where nothing really changed costs
 * the clients nothing.
 */
export class VncServer extends EventEmitter<VncServerEvents> {
  readonly display: Display;
  private readonly authType: 'none' | 'vnc';
  private readonly passwords: PasswordState;
  private readonly share: SharePolicy;
  private readonly maxConnections: number;
  private readonly logger: Logger;
  private readonly sessions = new Set<ClientSession>();
  private readonly openListeners: Listener[] = [];
  private readonly shadow: Shadow;
  private pendingDamage: DirtyMap;
  private refreshScheduled = false;
  private nextClientId = 1;
  private readonly blacklist = new AuthBlacklist();
  /** The client whose SetDesktopSize is being handled, so it can be told the resize was its own. */
  private resizeInitiator: ClientSession | undefined;
  private readonly stopObserving: () => void;
  private readonly host: SessionHost;

  constructor(options: VncServerOptions) {
    super();
    this.display = options.display;
    this.authType = options.auth ?? 'none';
    this.passwords = new PasswordState(options.password);
    this.share = options.share ?? 'allow-exclusive';
    this.maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    this.logger = options.logger ?? silentLogger;
    const ciphers = options.ciphers ?? defaultCipherRegistry();
    if (this.authType === 'vnc' && !ciphers.supports('des', 'ecb')) {
      throw new VncError(
        VncErrorCode.INVALID_OPTION,
        `VNC password authentication needs DES-ECB, which none of the cipher backends supports (${ciphers.backends().join(', ') || 'none registered'})`,
      );
    }
    const keyDelayMs = options.keyDelayMs ?? 0;
    if (!(Number.isInteger(keyDelayMs) && keyDelayMs >= 0 && keyDelayMs <= MAX_KEY_DELAY_MS)) {
      throw new VncError(VncErrorCode.INVALID_OPTION, `keyDelayMs must be a whole number of ms from 0 to ${MAX_KEY_DELAY_MS}, not ${keyDelayMs}`);
    }
    const limits: ClientMessageLimits = {
      maxEncodings: MAX_ENCODINGS,
      maxCutText: options.maxCutText ?? DEFAULT_MAX_CUT_TEXT,
    };
    const security = securityHandlers(options, this.authType === 'vnc' ? vncSecurity(this.passwords, ciphers) : noneSecurity);
    const { display } = this;
    this.shadow = new Shadow(display.width, display.height, display.format);
    this.shadow.refresh(this.displaySource(), [{ x: 0, y: 0, w: display.width, h: display.height }]);
    this.pendingDamage = emptyDirtyMap(display.width, display.height);
    const server = this;
    this.host = {
      display,
      get source() {
        return server.shadow.source;
      },
      security,
      random: options.random ?? secureRandom,
      logger: this.logger,
      limits,
      lossy: options.lossy ?? false,
      encoders: selectEncoders(options.encodings),
      admit: (session, shared) => this.admit(session, shared),
      initialized: (session) => {
        // Damage that accumulated while nobody watched: the shadow must be current before the first update.
        this.refresh();
        const info = session.info();
        this.logger.info(
          `${session.label}: ${info.auth ?? 'none'} auth ok (RFB ${info.version ?? '?'}), ${info.shared ? 'shared' : 'exclusive'}`,
        );
        this.emit('initialized', info);
      },
      closed: (session, reason) => {
        this.sessions.delete(session);
        this.logger.info(`${session.label}: disconnected: ${reason}`);
        this.emit('disconnected', session.info(), reason);
      },
      input: (session, input) => emitInput(display, this.logger, session.label, input),
      keyDelayMs,
      powerControl: options.powerControl ?? false,
      power: (session, action) => emitPower(display, this.logger, session.label, action),
      authenticated: (session, ok) => {
        const address = blacklistKey(session);
        if (address === undefined) return;
        if (ok) this.blacklist.succeeded(address);
        else this.blacklist.failed(address);
      },
      authTimeoutMs: options.authTimeoutMs ?? DEFAULT_AUTH_TIMEOUT_MS,
      requestResize: (session, width, height, screens) => this.requestResize(session, width, height, screens),
    };
    this.stopObserving = display.observe(this.observer());
  }

  /** Listens on one or several addresses; resolves with the bound addresses (real ports when 0 was asked). */
  async listen(addresses: ListenAddress | readonly ListenAddress[]): Promise<readonly SocketAddress[]> {
    const listener = await Listener.listen(Array.isArray(addresses) ? addresses : [addresses as ListenAddress]);
    listener.on('channel', (channel) => this.attach(channel));
    listener.on('error', (error) => this.logger.error(`listener error: ${error.message}`));
    this.openListeners.push(listener);
    return listener.addresses;
  }

  /** Serves a connection the embedder made itself (any Channel: a socket, a pipe, a websocket). */
  attach(channel: Channel): void {
    const session = new ClientSession(this.nextClientId++, channel, this.host);
    const refusal = this.refusalFor(session);
    this.sessions.add(session);
    this.logger.info(`${session.label}: connected over ${channel.facts.layers.join('+')}`);
    this.emit('connected', session.info());
    void session.run(refusal);
  }

  /** Why a new client is turned away after the version exchange, if it is. */
  private refusalFor(session: ClientSession): string | undefined {
    if (this.sessions.size >= this.maxConnections) return `too many connections (limit ${this.maxConnections})`;
    const address = blacklistKey(session);
    const wait = address === undefined ? 0 : this.blacklist.blockedFor(address);
    return wait > 0 ? `too many authentication failures from ${address}; try again in ${Math.ceil(wait / 1000)} s` : undefined;
  }

  /** Changes the VNC password for the next authentications; `undefined` unsets it (every attempt fails). */
  setPassword(password: string | undefined): void {
    this.passwords.set(password);
  }

  /** After `when` ('now', a Date, or 'never') every VNC authentication fails until a new password is set. */
  expirePassword(when: Date | 'now' | 'never'): void {
    this.passwords.expire(when === 'never' ? undefined : when === 'now' ? new Date() : when);
  }

  /** Disconnects a client (by its `ClientInfo.id`); false when there is no such client. */
  disconnect(clientId: number, reason = 'disconnected by the server'): boolean {
    for (const session of this.sessions) {
      if (session.id !== clientId) continue;
      session.close(reason);
      return true;
    }
    return false;
  }

  info(): ServerInfo {
    return {
      addresses: this.openListeners.flatMap((listener) => listener.addresses),
      auth: this.authType,
      clients: [...this.sessions].map((session) => session.info()),
    };
  }

  /** Stops listening and disconnects every client. */
  async close(): Promise<void> {
    this.stopObserving();
    await Promise.all(this.openListeners.splice(0).map((listener) => listener.close()));
    for (const session of [...this.sessions]) session.close('server shutting down');
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private displaySource(): PixelSource {
    const { display } = this;
    return { data: display.buffer, stride: display.stride, format: display.format, width: display.width, height: display.height };
  }

  private observer(): DisplayObserver {
    return (change) => {
      switch (change.kind) {
        case 'damage':
          this.pendingDamage.mark(change.rect.x, change.rect.y, change.rect.w, change.rect.h);
          this.scheduleRefresh();
          return;
        case 'resize': {
          const { width, height } = this.display;
          this.shadow.resize(width, height);
          this.pendingDamage = emptyDirtyMap(width, height);
          this.shadow.refresh(this.displaySource(), [{ x: 0, y: 0, w: width, h: height }]);
          for (const session of this.sessions) {
            const initiator = this.resizeInitiator;
            const reason =
              initiator === undefined
                ? DesktopSizeReason.SERVER
                : initiator === session
                  ? DesktopSizeReason.THIS_CLIENT
                  : DesktopSizeReason.OTHER_CLIENT;
            session.resized(width, height, reason);
          }
          return;
        }
        case 'copy':
          if (!this.hasViewers()) {
            // Nobody to send a CopyRect to: the target is simply changed.
            this.pendingDamage.mark(change.target.x, change.target.y, change.target.w, change.target.h);
            return;
          }
          // Damage from before the copy is taken first, or clients would copy stale pixels.
          this.refresh();
          this.shadow.copy(change.source, change.target);
          for (const session of this.sessions) session.copied(change.source, change.target);
          return;
        case 'bell':
          for (const session of this.sessions) session.bell();
          return;
        case 'clipboard':
          for (const session of this.sessions) session.clipboard(change.text);
          return;
        case 'cursor':
        case 'leds':
        case 'name':
        case 'pointer-mode':
          for (const session of this.sessions) session.pseudoChanged(change.kind);
          return;
      }
    };
  }

  /** Damage often comes in bursts (one call per widget drawn): compare and notify once per turn. */
  private scheduleRefresh(): void {
    if (this.refreshScheduled) return;
    this.refreshScheduled = true;
    setImmediate(() => this.refresh());
  }

  /**
   * Brings the shadow up to date with the display's damage and tells the
   * clients what really changed. Without viewers the damage only accumulates
   * (a tile map): comparing costs real CPU, and nobody would be sent anything.
   */
  private refresh(): void {
    this.refreshScheduled = false;
    if (this.pendingDamage.isEmpty() || !this.hasViewers()) return;
    const changed: Rect[] = this.shadow.refresh(this.displaySource(), this.pendingDamage.take());
    if (changed.length === 0) return;
    for (const session of this.sessions) session.damaged(changed);
  }

  private hasViewers(): boolean {
    for (const session of this.sessions) if (session.isRunning) return true;
    return false;
  }

  private admit(session: ClientSession, shared: boolean): string | undefined {
    if (this.share === 'ignore') return undefined;
    const others = [...this.sessions].filter((other) => other !== session && other.isRunning);
    if (this.share === 'force-shared') {
      return shared ? undefined : 'exclusive access refused: this server only allows shared sessions';
    }
    if (!shared) {
      for (const other of others) other.close(`${session.label} asked for exclusive access`);
      return undefined;
    }
    return others.some((other) => other.exclusive) ? 'another client has exclusive access' : undefined;
  }

  /**
   * A viewer's SetDesktopSize. The embedder decides: it resizes the display from
   * its 'resize-request' listener, or not; no listener means resizing is not
   * offered. Bad layouts are refused here without asking.
   */
  private requestResize(
    session: ClientSession,
    width: number,
    height: number,
    screens: readonly Screen[],
  ): { resized: boolean; status: DesktopSizeStatus } {
    const problem = checkScreenLayout(width, height, screens);
    if (problem) {
      this.logger.info(`${session.label}: resize to ${width}x${height} refused: ${problem.reason}`);
      return { resized: false, status: problem.status };
    }
    const { display } = this;
    if (width === display.width && height === display.height) return { resized: false, status: DesktopSizeStatus.OK };
    if (display.listenerCount('resize-request') === 0) return { resized: false, status: DesktopSizeStatus.PROHIBITED };
    this.resizeInitiator = session;
    try {
      display.emit('resize-request', { width, height });
    } catch (error) {
      this.logger.error(`${session.label}: resize-request handler threw: ${errorMessage(error)}`);
    } finally {
      this.resizeInitiator = undefined;
    }
    const resized = display.width === width && display.height === height;
    this.logger.info(`${session.label}: asked for ${width}x${height}: ${resized ? 'resized' : 'refused by the embedder'}`);
    return { resized, status: resized ? DesktopSizeStatus.OK : DesktopSizeStatus.PROHIBITED };
  }
}

/**
 * The security types to offer: VeNCrypt alone when TLS is configured (as QEMU),
 * else the primary type, with VeNCrypt first when sub-types are named (Plain for wss).
 */
function securityHandlers(options: VncServerOptions, primary: SecurityHandler): SecurityHandler[] {
  const { tls, vencrypt } = options;
  if (!tls && !vencrypt) return [primary];
  const usesVnc = primary.type === SecurityType.VNC_AUTH;
  const kind = tls?.creds.kind ?? 'x509';
  const subtypes = vencrypt ?? [`${kind === 'x509' ? 'x509' : 'tls'}-${usesVnc ? 'vnc' : 'none'}` as const];
  const handler = vencryptSecurity({
    subtypes,
    ...(tls && { creds: tls.creds }),
    ...(tls?.authz && { authz: tls.authz }),
    ...(usesVnc && { vnc: primary }),
    ...(options.plain && { plain: options.plain }),
    ...(options.forcePlain !== undefined && { forcePlain: options.forcePlain }),
  });
  return tls ? [handler] : [handler, primary];
}

/** Failures are counted per IP address; UNIX-socket and in-process peers are not tracked. */
function blacklistKey(session: ClientSession): string | undefined {
  const peer = session.channel.facts.peer;
  return peer?.family === 'ipv4' || peer?.family === 'ipv6' ? peer.host : undefined;
}

/** The encoder factories the server may use, checked when configured so a typo is not silent. */
function selectEncoders(names: readonly string[] | undefined): ReadonlyMap<number, EncoderFactory> {
  if (names === undefined) return encoderFactories;
  const byName = new Map([...encoderFactories.values()].map((factory) => [factory.name, factory]));
  const selected = new Map<number, EncoderFactory>();
  for (const name of names) {
    const factory = byName.get(name);
    if (!factory) {
      throw new VncError(VncErrorCode.INVALID_OPTION, `unknown encoding '${name}' (known: ${[...byName.keys()].join(', ')})`);
    }
    selected.set(factory.encoding, factory);
  }
  return selected;
}

function emptyDirtyMap(width: number, height: number): DirtyMap {
  const map = new DirtyMap(width, height);
  map.clear();
  return map;
}

export function createServer(options: VncServerOptions): VncServer {
  return new VncServer(options);
}
