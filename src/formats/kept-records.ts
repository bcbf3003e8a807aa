/** Reading back a file a writer wrote, to patch it: its text a chunk at a time, or its lines. */
import { createReadStream } from "node:fs";

const CHUNK = 256 * 1024;

/** The file's text in chunks of about 256 KB. */
export async function* textChunks(file: string, encoding: BufferEncoding = "utf8"): AsyncGenerator<string> {
  for await (const chunk of createReadStream(file, { encoding, highWaterMark: CHUNK })) yield chunk as string;
}

/**
 * The file's lines (without the separator) a chunk's worth at a time; the file must end with
 * the separator, as every writer's files do.
 */
export async function* textLines(file: string, separator: string): AsyncGenerator<string[]> {
  let carry = "";
  for await (const chunk of textChunks(file)) {
    const text = carry + chunk;
    const lines = text.split(separator);
    carry = lines.pop()!;
    if (lines.length > 0) yield lines;
  }
  if (carry !== "") throw new Error(`the file does not end with ${JSON.stringify(separator)}`);
}

/** A kept file, or the lines recorded as sent in it, are not what a patch needs: the file is rendered whole. */
export class KeptFileMismatch extends Error {}

/** The text of an earlier file did not have the shape its writer gives: why, as an error. */
export function notAsWritten(what: string): KeptFileMismatch {
  return new KeptFileMismatch(`the kept file is not as its writer wrote it: ${what}`);
}
