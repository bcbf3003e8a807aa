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
  /**
   * writes the buffer out once it is large: a promise then, undefined when nothing had to go
   * to disk (a hot loop awaits only a promise: a million awaits cost a million microtask turns)
   */
  maybeFlush(): Promise<void> | undefined;
  /** flushes, syncs to disk and closes; returns bytes written */
  close(): Promise<number>;
  abort(): Promise<void>;
}

/** Creates the file (it must not exist); text is encoded as `encoding` on the way out. */
export async function createOutputFile(file: string, encoding: BufferEncoding = "utf8"): Promise<OutputFile> {
  const handle = await open(file, "wx");
  let buffer = "";
  let bytes = 0;
  const flush = async () => {
    if (!buffer) return;
    const chunk = Buffer.from(buffer, encoding);
    buffer = "";
    bytes += chunk.length;
    await handle.write(chunk);
  };
  return {
    append(text) {
      buffer += text;
    },
    maybeFlush() {
      return buffer.length >= FLUSH_AT ? flush() : undefined;
    },
    async close() {
      await flush();
      await handle.sync();
      await handle.close();
      return bytes;
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
