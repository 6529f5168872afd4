/**
 * Feeds hand-written client message bytes to readClientMessage over a channel
 * pair, as a client would send them, and reports what the reader made of them.
 */
import { createChannelPair } from '../../src/io';
import {
  readClientMessage,
  type ClientMessage,
  type ClientMessageContext,
  type ClientMessageLimits,
} from '../../src/vnc/protocol/client-messages';

/** The byte sent after each message: a reader that takes exactly the message's bytes leaves it next. */
export const SENTINEL = 0x5a;

export type Outcome = { ok: true; message: ClientMessage; next: number | undefined } | { ok: false; error: Error };

/**
 * Sends `pieces` (then one sentinel byte) into a channel pair, one write per
 * piece with a turn of the event loop between, and reads one message on the
 * other side. `next` is the byte after the message: the sentinel when the
 * reader took exactly the message's bytes.
 */
export async function feedClientMessage(
  pieces: readonly Buffer[],
  limits: ClientMessageLimits,
  context?: ClientMessageContext,
): Promise<Outcome> {
  const [server, client] = createChannelPair();
  const reading = readClientMessage(server, limits, context).then(
    (message) => ({ ok: true as const, message }),
    (error: Error) => ({ ok: false as const, error }),
  );
  for (const piece of pieces) {
    client.write(piece);
    await new Promise(setImmediate);
  }
  client.write(Buffer.of(SENTINEL));
  const result = await reading;
  const outcome: Outcome = result.ok ? { ...result, next: (await server.read(1))[0] } : result;
  server.close();
  client.close();
  return outcome;
}

/** The message in `bytes`, which the reader must take exactly (the sentinel comes next); rethrows its error. */
export async function readExactly(bytes: Buffer, limits: ClientMessageLimits, context?: ClientMessageContext): Promise<ClientMessage> {
  const outcome = await feedClientMessage([bytes], limits, context);
  if (!outcome.ok) throw outcome.error;
  expect(outcome.next).toBe(SENTINEL);
  return outcome.message;
}

/** The protocol violation the reader must find in `bytes`. */
export async function violationIn(bytes: Buffer, limits: ClientMessageLimits, context?: ClientMessageContext): Promise<Error> {
  const outcome = await feedClientMessage([bytes], limits, context);
  if (outcome.ok) throw new Error(`expected a violation, read ${JSON.stringify(outcome.message)}`);
  expect(outcome.error).toMatchObject({ code: 'VNC_PROTOCOL' });
  return outcome.error;
}
