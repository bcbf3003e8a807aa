import pino from "pino";

export type Logger = pino.Logger;

/** JSON logs on stderr (stdout carries the command's answer); quiet unless asked. */
export function createLogger(level: string = "warn", file?: string): Logger {
  return pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination(file ? { dest: file, sync: true, mkdir: true } : { dest: 2, sync: true }));
}

export const silentLogger: Logger = pino({ level: "silent" });
