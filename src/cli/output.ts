import { formatTable } from "../util/table.js";
import { isoUtc } from "../util/time.js";

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

export const processIo: Io = {
  out: (t) => process.stdout.write(t.endsWith("\n") ? t : `${t}\n`),
  err: (t) => process.stderr.write(t.endsWith("\n") ? t : `${t}\n`),
};

export function printJson(io: Io, value: unknown): void {
  io.out(JSON.stringify(value, null, 2));
}

export function table(headers: string[], rows: Array<Array<string | number | null | undefined>>): string {
  return formatTable(headers, rows);
}

export function when(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? "" : isoUtc(ms);
}
