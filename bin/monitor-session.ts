/**
 * One monitor connection: QMP's greeting, capabilities negotiation, then one
 * JSON command per line answered in order, and events once negotiated.
 * Input is bounded (a longer line closes the connection) and so is output
 * (a client that stops reading is dropped rather than buffered for).
 */
import { errorMessage } from '../src/errors';
import type { Duplex } from 'node:stream';
import type { Logger } from '../src/vnc';
import { ArgumentReader, QmpError, type Arguments, type QmpErrorClass } from './monitor-args';
import { COMMANDS, versionInfo, type CommandContext } from './monitor-commands';

export interface SessionOptions {
  readonly context: CommandContext;
  readonly logger: Logger;
  /** For log lines: where the client is. */
  readonly label: string;
  readonly maxLineBytes: number;
  readonly maxOutputBytes: number;
  readonly closed: (session: MonitorSession) => void;
}

/** Lines waiting while a command runs; past this the socket is paused. */
const MAX_QUEUED_LINES = 32;
const NEWLINE = 0x0a;
const REQUEST_MEMBERS = ['execute', 'arguments', 'id'];

export class MonitorSession {
  private capable = false;
  private partial: Buffer[] = [];
  private partialLength = 0;
  private readonly queue: string[] = [];
  private running = false;
  /** The client half-closed: what it sent is still answered, then our side ends too. */
  private inputEnded = false;
  private ended = false;

  constructor(
    private readonly stream: Duplex,
    private readonly options: SessionOptions,
  ) {
    stream.on('data', (chunk: Buffer) => this.received(chunk));
    stream.on('end', () => this.inputEnd());
    stream.on('error', (error) => {
      options.logger.debug(`${options.label}: ${error.message}`);
      this.finish();
    });
    stream.on('close', () => this.finish());
    this.send({ QMP: { version: versionInfo(options.context.version), capabilities: [] } });
  }

  /** Past capabilities negotiation and still open: events go to it. */
  get receivesEvents(): boolean {
    return this.capable && !this.ended;
  }

  event(message: object): void {
    if (this.receivesEvents) this.send(message);
  }

  close(): void {
    this.finish();
    this.stream.destroy();
  }

  private received(chunk: Buffer): void {
    if (this.ended) return;
    let start = 0;
    for (let newline = chunk.indexOf(NEWLINE); newline >= 0; newline = chunk.indexOf(NEWLINE, start)) {
      if (this.partialLength + newline - start > this.options.maxLineBytes) return this.oversize();
      this.partial.push(chunk.subarray(start, newline));
      this.queue.push(Buffer.concat(this.partial).toString('utf8'));
      this.partial = [];
      this.partialLength = 0;
      start = newline + 1;
    }
    if (start < chunk.length) {
      this.partialLength += chunk.length - start;
      if (this.partialLength > this.options.maxLineBytes) return this.oversize();
      this.partial.push(chunk.subarray(start));
    }
    if (this.queue.length > MAX_QUEUED_LINES) this.stream.pause();
    void this.runQueue();
  }

  private inputEnd(): void {
    this.inputEnded = true;
    if (this.partialLength > 0) this.queue.push(Buffer.concat(this.partial).toString('utf8'));
    this.partial = [];
    this.partialLength = 0;
    void this.runQueue();
  }

  private oversize(): void {
    const { maxLineBytes, label, logger } = this.options;
    logger.warn(`${label}: a line longer than ${maxLineBytes} bytes; closing the connection`);
    this.reply(undefined, error('GenericError', `input line longer than ${maxLineBytes} bytes; closing the connection`));
    this.finish();
    this.stream.end(() => this.stream.destroy());
  }

  private async runQueue(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (let line = this.queue.shift(); line !== undefined && !this.ended; line = this.queue.shift()) {
        await this.handle(line);
      }
    } finally {
      this.running = false;
      if (!this.ended && this.inputEnded) this.stream.end();
      else if (!this.ended) this.stream.resume();
    }
  }

  private async handle(line: string): Promise<void> {
    if (line.trim() === '') return;
    let request: unknown;
    try {
      request = JSON.parse(line);
    } catch (failure) {
      this.reply(undefined, error('GenericError', `JSON parse error, ${errorMessage(failure)}`));
      return;
    }
    if (!isObject(request)) {
      this.reply(undefined, error('GenericError', 'QMP input must be a JSON object'));
      return;
    }
    const id: unknown = request.id;
    try {
      const result = await this.execute(request);
      this.reply(id, { return: result });
    } catch (failure) {
      if (failure instanceof QmpError) {
        this.reply(id, error(failure.errorClass, failure.message));
        return;
      }
      const message = errorMessage(failure);
      this.options.logger.error(`${this.options.label}: command failed: ${message}`);
      this.reply(id, error('GenericError', message));
    }
  }

  private async execute(request: Readonly<Record<string, unknown>>): Promise<unknown> {
    const unexpected = Object.keys(request).find((key) => !REQUEST_MEMBERS.includes(key));
    if (unexpected !== undefined) throw new QmpError('GenericError', `QMP input member '${unexpected}' is unexpected`);
    const { execute, arguments: args = {} } = request;
    if (execute === undefined) throw new QmpError('GenericError', "QMP input lacks member 'execute'");
    if (typeof execute !== 'string') throw new QmpError('GenericError', "QMP input member 'execute' must be a string");
    if (!isObject(args)) throw new QmpError('GenericError', "QMP input member 'arguments' must be an object");
    const reader = new ArgumentReader(args);
    if (execute === 'qmp_capabilities') {
      if (this.capable) throw new QmpError('CommandNotFound', "Capabilities negotiation is already complete, command 'qmp_capabilities' ignored");
      reader.choiceList('enable', []);
      reader.finish();
      this.capable = true;
      return {};
    }
    if (!this.capable) {
      throw new QmpError('CommandNotFound', `Expecting capabilities negotiation with 'qmp_capabilities' before command '${execute}'`);
    }
    const command = COMMANDS.get(execute);
    if (command === undefined) throw new QmpError('CommandNotFound', `The command ${execute} has not been found`);
    this.options.logger.debug(`${this.options.label}: ${execute}`);
    return await command(reader, this.options.context);
  }

  private reply(id: unknown, body: object): void {
    this.send(id === undefined ? body : { ...body, id });
  }

  private send(message: object): void {
    if (this.ended) return;
    if (this.stream.writableLength > this.options.maxOutputBytes) {
      this.options.logger.warn(`${this.options.label}: not reading its output (over ${this.options.maxOutputBytes} bytes queued); closing`);
      this.close();
      return;
    }
    // QEMU ends each message with CR LF.
    this.stream.write(`${JSON.stringify(message)}\r\n`);
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    this.queue.length = 0;
    this.options.closed(this);
  }
}

function error(errorClass: QmpErrorClass, desc: string): { error: { class: QmpErrorClass; desc: string } } {
  return { error: { class: errorClass, desc } };
}

function isObject(value: unknown): value is Arguments {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
