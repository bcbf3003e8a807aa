import pino from "pino";

export type Logger = pino.Logger;

/** JSON logs on stderr (stdout carries the command's answer); quiet unless asked. */
export function createLogger(level: string = "warn"): Logger {
  return pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ dest: 2, sync: true }));
}

export const silentLogger: Logger = pino({ level: "silent" });
