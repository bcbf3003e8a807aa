import { createHash } from "node:crypto";
import { constants } from "node:fs";
import { copyFile, open, stat } from "node:fs/promises";
import { fsyncFile } from "../util/fs.js";

const FLUSH_AT = 256 * 1024;

/**
 * A new file written through a text buffer: every writer appends text, the buffer goes to
 * disk in large chunks, and close() syncs before it reports the bytes written.
 */
export interface OutputFile {
  append(text: string): void;
  /** bytes as they are (already in the file's encoding), after the text appended so far */
  appendBytes(bytes: Buffer): void;
  /**
   * writes the buffer out once it is large: a promise then, undefined when nothing had to go
   * to disk (a hot loop awaits only a promise: a million awaits cost a million microtask turns)
   */
  maybeFlush(): Promise<void> | undefined;
  /** flushes, syncs to disk and closes; returns bytes written */
  close(): Promise<number>;
  /** the sha256 (hex) of the bytes written, once closed */
  sha256(): string;
  abort(): Promise<void>;
}

/** Creates the file (it must not exist); text is encoded as `encoding` on the way out. */
export async function createOutputFile(file: string, encoding: BufferEncoding = "utf8"): Promise<OutputFile> {
  const handle = await open(file, "wx");
  const hash = createHash("sha256");
  let digest: string | undefined;
  let buffer = "";
  let bytes = 0;
  // text appended after the bytes, and the bytes waiting to be written
  let parts: Buffer[] = [];
  let waiting = 0;
  const encodeText = () => {
    if (!buffer) return;
    const chunk = Buffer.from(buffer, encoding);
    buffer = "";
    parts.push(chunk);
    waiting += chunk.length;
  };
  const flush = async () => {
    encodeText();
    if (parts.length === 0) return;
    const chunks = parts;
    parts = [];
    bytes += waiting;
    waiting = 0;
    const chunk = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
    hash.update(chunk);
    await handle.write(chunk);
  };
  return {
    append(text) {
      buffer += text;
    },
    appendBytes(chunk) {
      encodeText();
      parts.push(chunk);
      waiting += chunk.length;
    },
    maybeFlush() {
      return buffer.length + waiting >= FLUSH_AT ? flush() : undefined;
    },
    async close() {
      await flush();
      await handle.sync();
      await handle.close();
      digest = hash.digest("hex");
      return bytes;
    },
    sha256() {
      if (digest === undefined) throw new Error(`${file} is not closed yet`);
      return digest;
    },
    async abort() {
      await handle.close();
    },
  };
}

/** `to` as a new file (it must not exist) with the bytes of `from`, synced to disk; returns its size. */
export async function copyAsNewFile(from: string, to: string): Promise<number> {
  await copyFile(from, to, constants.COPYFILE_EXCL);
  await fsyncFile(to);
  return (await stat(to)).size;
}
