/**
 * Where a channel or listener is, in the vocabulary QEMU's QAPI uses for VNC
 * clients (`family` is ipv4, ipv6 or unix).
 */
export type SocketAddress =
  | { readonly family: 'ipv4' | 'ipv6'; readonly host: string; readonly port: number }
  | { readonly family: 'unix'; readonly path: string }
  | { readonly family: 'memory'; readonly name: string };

/** What to listen on: a host (name or literal, all its addresses) and port, or a UNIX path. */
export type ListenAddress =
  | { readonly host: string; readonly port: number }
  | { readonly path: string };

/** `127.0.0.1:5900`, `[::1]:5900`, `unix:/run/vnc.sock`, `memory:name`: for logs. */
export function formatAddress(address: SocketAddress): string {
  switch (address.family) {
    case 'ipv4':
      return `${address.host}:${address.port}`;
    case 'ipv6':
      return `[${address.host}]:${address.port}`;
    case 'unix':
      return `unix:${address.path}`;
    case 'memory':
      return `memory:${address.name}`;
  }
}

/** `localhost:5900`, `[::1]:0`, `unix:/run/vnc.sock`: a listen or connect target, for messages. */
export function formatListenAddress(address: ListenAddress): string {
  if ('path' in address) return `unix:${address.path}`;
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
