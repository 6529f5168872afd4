/**
 * The monitor's answers and event data in the shapes QEMU's QAPI schema
 * (qapi/ui.json) gives them: VncInfo, VncInfo2, VncServerInfo, VncClientInfo.
 * What QEMU has no member for (client ids, encodings, byte counts) goes in a
 * member named `vncd`, so QEMU's own members keep their meaning.
 */
import type { SocketAddress } from '../src/io';
import { Encoding, type ClientInfo, type VncServer } from '../src/vnc';

/** QEMU's VncVencryptSubAuth names. */
export type VencryptSubAuth =
  | 'plain'
  | 'tls-none'
  | 'x509-none'
  | 'tls-vnc'
  | 'x509-vnc'
  | 'tls-plain'
  | 'x509-plain'
  | 'tls-sasl'
  | 'x509-sasl';

/** One VNC display as the monitor sees it. */
export interface MonitorDisplay {
  /** QEMU's display id (`-vnc …,id=ID`); QEMU calls its first display "default". */
  readonly id: string;
  readonly server: VncServer;
  /** The VeNCrypt sub-type the display offers, when it uses TLS (the server does not report it). */
  readonly vencrypt?: VencryptSubAuth;
  /** Where the display's websocket clients come in (a web port), if anywhere. */
  readonly websocketAddresses?: () => readonly SocketAddress[];
}

/** QEMU's NetworkAddressFamily; in-memory and other embedder channels are 'unknown'. */
export type QapiFamily = 'ipv4' | 'ipv6' | 'unix' | 'unknown';

export interface VncBasicInfo {
  host: string;
  service: string;
  family: QapiFamily;
  websocket: boolean;
}

export interface VncServerInfo extends VncBasicInfo {
  auth: string;
}

export interface VncClientExtras {
  /** What `vncd-disconnect` takes (with the display). */
  id: number;
  display: string;
  auth?: string;
  vencrypt?: string;
  version?: string;
  shared?: boolean;
  'pixel-format'?: string;
  /** The pixel encoding in use. */
  encoding?: string;
  /** What the client said it supports (SetEncodings), by name. */
  encodings: string[];
  'bytes-sent': number;
  'bytes-queued': number;
  /** In VNC_DISCONNECTED: why the connection ended. */
  reason?: string;
}

export interface VncClientInfo extends VncBasicInfo {
  x509_dname?: string;
  sasl_username?: string;
  vncd: VncClientExtras;
}

export interface VncInfo {
  enabled: boolean;
  host?: string;
  service?: string;
  family?: QapiFamily;
  auth?: string;
  clients?: VncClientInfo[];
}

export interface VncServerInfo2 extends VncBasicInfo {
  auth: 'none' | 'vnc' | 'vencrypt';
  vencrypt?: VencryptSubAuth;
}

export interface VncInfo2 {
  id: string;
  server: VncServerInfo2[];
  clients: VncClientInfo[];
  auth: 'none' | 'vnc' | 'vencrypt';
  vencrypt?: VencryptSubAuth;
}

/** host/service/family of an address, as QEMU reports them (a UNIX socket: host "localhost", service the path). */
export function basicInfo(address: SocketAddress | undefined, websocket: boolean): VncBasicInfo {
  if (address === undefined) return { host: '', service: '', family: 'unknown', websocket };
  switch (address.family) {
    case 'unix':
      return { host: 'localhost', service: address.path, family: 'unix', websocket };
    case 'memory':
      return { host: address.name, service: '', family: 'unknown', websocket };
    default:
      return { host: address.host, service: String(address.port), family: address.family, websocket };
  }
}

/** QEMU's `vnc_auth_name`: 'none', 'vnc', or 'vencrypt+x509+vnc' and the like. */
export function authName(display: MonitorDisplay): string {
  if (display.vencrypt !== undefined) return `vencrypt+${display.vencrypt.replace(/-/g, '+')}`;
  return display.server.info().auth;
}

interface Listening {
  readonly address: SocketAddress;
  readonly websocket: boolean;
}

function listening(display: MonitorDisplay): Listening[] {
  return [
    ...display.server.info().addresses.map((address) => ({ address, websocket: false })),
    ...(display.websocketAddresses?.() ?? []).map((address) => ({ address, websocket: true })),
  ];
}

/** The server half of an event: the address the client most likely came in on, and the auth. */
export function serverInfo(display: MonitorDisplay, websocketClient = false): VncServerInfo {
  const all = listening(display);
  const entry = all.find((candidate) => candidate.websocket === websocketClient) ?? all[0];
  return { ...basicInfo(entry?.address, entry?.websocket ?? false), auth: authName(display) };
}

/** A client's VncClientInfo, with vncd's own facts under `vncd`. */
export function clientInfo(client: ClientInfo, display: string): VncClientInfo {
  return {
    ...clientBasic(client),
    ...(client.x509Dname !== undefined && { x509_dname: client.x509Dname }),
    ...(client.username !== undefined && { sasl_username: client.username }),
    vncd: {
      id: client.id,
      display,
      ...(client.auth !== undefined && { auth: client.auth }),
      ...(client.vencrypt !== undefined && { vencrypt: client.vencrypt }),
      ...(client.version !== undefined && { version: client.version }),
      ...(client.shared !== undefined && { shared: client.shared }),
      ...(client.pixelFormat !== undefined && { 'pixel-format': client.pixelFormat }),
      ...(client.encoding !== undefined && { encoding: client.encoding }),
      encodings: client.encodings.map(encodingName),
      'bytes-sent': client.bytesSent,
      'bytes-queued': client.queuedBytes,
    },
  };
}

export function clientBasic(client: ClientInfo): VncBasicInfo {
  const family: QapiFamily = client.family === 'memory' ? 'unknown' : client.family;
  return { host: client.host, service: client.service, family, websocket: client.websocket };
}

/** query-vnc: the first display only, as QEMU's VncInfo. */
export function queryVnc(display: MonitorDisplay | undefined): VncInfo {
  if (display === undefined) return { enabled: false };
  const first = listening(display).find((entry) => !entry.websocket);
  const clients = display.server.info().clients.map((client) => clientInfo(client, display.id));
  if (first === undefined) return { enabled: false, auth: authName(display), clients };
  const { host, service, family } = basicInfo(first.address, false);
  return { enabled: true, host, service, family, auth: authName(display), clients };
}

/** query-vnc-servers: every display, as QEMU's VncInfo2. */
export function queryVncServers(displays: readonly MonitorDisplay[]): VncInfo2[] {
  return displays.map((display) => {
    const auth = display.vencrypt === undefined ? display.server.info().auth : 'vencrypt';
    const vencrypt = display.vencrypt === undefined ? {} : { vencrypt: display.vencrypt };
    return {
      id: display.id,
      server: listening(display).map((entry) => ({ ...basicInfo(entry.address, entry.websocket), auth, ...vencrypt })),
      clients: display.server.info().clients.map((client) => clientInfo(client, display.id)),
      auth,
      ...vencrypt,
    };
  });
}

const ENCODING_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(Encoding)
    .filter(([key]) => !key.endsWith('_LEVEL_0'))
    .map(([key, value]) => [value, key.toLowerCase().replace(/_/g, '-')]),
);

/** 'zrle', 'desktop-size', 'jpeg-quality-6', 'compress-level-9', or the number in hex for unknown ones. */
export function encodingName(encoding: number): string {
  const known = ENCODING_NAMES.get(encoding);
  if (known !== undefined) return known;
  const quality = encoding - Encoding.JPEG_QUALITY_LEVEL_0;
  if (quality >= 0 && quality <= 9) return `jpeg-quality-${quality}`;
  const level = encoding - Encoding.COMPRESS_LEVEL_0;
  if (level >= 0 && level <= 9) return `compress-level-${level}`;
  return `0x${(encoding >>> 0).toString(16).padStart(8, '0')}`;
}
