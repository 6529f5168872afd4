/**
 * What vncd logs through. One human-readable line per event; `console`
 * satisfies it, and so does a pino logger. The library is silent unless the
 * embedder passes one.
 */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

const ignore = (): void => undefined;

export const silentLogger: Logger = { debug: ignore, info: ignore, warn: ignore, error: ignore };
