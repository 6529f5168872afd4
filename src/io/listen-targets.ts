import { errorMessage } from '../errors';
import { promises as dns, type LookupAddress } from 'node:dns';
import * as net from 'node:net';
import { formatListenAddress, type ListenAddress } from './address';
import { IoError, IoErrorCode } from './errors';

/** One socket to bind: a literal IP address or a UNIX path. */
export type BindTarget =
  | {
      readonly kind: 'inet';
      readonly family: 'ipv4' | 'ipv6';
      readonly host: string;
      /** 0 asks for a port shared by every target that asked for 0. */
      readonly port: number;
      /** The address the caller wrote, for messages. */
      readonly source: string;
      /** Came from resolving a name: a family the machine lacks may be skipped. */
      readonly fromName: boolean;
    }
  | { readonly kind: 'unix'; readonly path: string; readonly source: string };

/** Checks the addresses and resolves host names to every address they have, in order, without duplicates. */
export async function resolveTargets(addresses: readonly ListenAddress[]): Promise<BindTarget[]> {
  if (addresses.length === 0) {
    throw new IoError(IoErrorCode.INVALID_ADDRESS, 'nothing to listen on: the address list is empty');
  }
  const targets: BindTarget[] = [];
  const seen = new Set<string>();
  for (const address of addresses) {
    for (const target of await resolveOne(address)) {
      const key = target.kind === 'unix' ? `unix:${target.path}` : `${target.host}|${target.port}`;
      if (seen.has(key)) continue;
      seen.add(key);
      targets.push(target);
    }
  }
  return targets;
}

async function resolveOne(address: ListenAddress): Promise<BindTarget[]> {
  const source = formatListenAddress(address);
  if ('path' in address) {
    if (address.path === '' || address.path.includes('\0')) {
      throw new IoError(IoErrorCode.INVALID_ADDRESS, `cannot listen on ${source}: not a usable path`);
    }
    return [{ kind: 'unix', path: address.path, source }];
  }
  const { port } = address;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new IoError(IoErrorCode.INVALID_ADDRESS, `cannot listen on ${source}: port must be 0 to 65535`);
  }
  // Accept the bracketed form people copy from URLs and logs.
  const host = /^\[(.*)\]$/.exec(address.host)?.[1] ?? address.host;
  const literal = net.isIP(host);
  if (literal !== 0) {
    return [{ kind: 'inet', family: literal === 6 ? 'ipv6' : 'ipv4', host, port, source, fromName: false }];
  }
  if (host === '') {
    throw new IoError(IoErrorCode.INVALID_ADDRESS, `cannot listen on ${source}: the host is empty`);
  }
  let found: LookupAddress[];
  try {
    found = await dns.lookup(host, { all: true });
  } catch (error) {
    const why = errorMessage(error);
    throw new IoError(IoErrorCode.INVALID_ADDRESS, `cannot listen on ${source}: ${why}`, { cause: error });
  }
  if (found.length === 0) {
    throw new IoError(IoErrorCode.INVALID_ADDRESS, `cannot listen on ${source}: ${host} has no address`);
  }
  return found.map((entry) => ({
    kind: 'inet',
    family: entry.family === 6 ? 'ipv6' : 'ipv4',
    host: entry.address,
    port,
    source,
    fromName: true,
  }));
}

/** `127.0.0.1:0 (from localhost:0)`: the socket and, when different, what the caller wrote. */
export function describeTarget(target: BindTarget, port?: number): string {
  const where =
    target.kind === 'unix'
      ? `unix:${target.path}`
      : formatListenAddress({ host: target.host, port: port ?? target.port });
  return where === target.source ? where : `${where} (from ${target.source})`;
}
