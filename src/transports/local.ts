import { copyFile, mkdir, readdir, stat, rename } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { StockfeedError } from "../errors.js";
import { exists, fsyncFile, moveFile } from "../util/fs.js";
import { globToRegExp } from "../util/glob.js";
import type { IncomingFile, TransportDefinition } from "./types.js";

const localSource = z.strictObject({
  transport: z.literal("local"),
  dir: z.string().min(1),
  /** glob on the file name */
  match: z.string().min(1).default("*"),
  /** files modified less than this long ago are left for the next run (a writer may still be at it) */
  minAgeSeconds: z.number().min(0).default(0),
});

const localDestination = z.strictObject({
  transport: z.literal("local"),
  dir: z.string().min(1),
  /** what to do when a file of the same name is already there */
  ifExists: z.enum(["fail", "overwrite"]).default("fail"),
});

/** Names a writer is still busy with, or that are ours: never taken. */
export function isTransientName(name: string): boolean {
  return name.startsWith(".") || /\.(part|tmp|filepart|crdownload)$/i.test(name) || name.endsWith("~");
}

export const localTransport: TransportDefinition<typeof localSource, typeof localDestination> = {
  name: "local",
  sourceSchema: localSource,
  destinationSchema: localDestination,
  createSource(config) {
    const pattern = globToRegExp(config.match);
    return {
      describe: () => `local:${join(config.dir, config.match)}`,
      async list() {
        let names: string[];
        try {
          names = await readdir(config.dir);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
          throw new StockfeedError(`cannot list ${config.dir}: ${(e as Error).message}`, "receiving", "io_failed", true);
        }
        const now = Date.now();
        const files: IncomingFile[] = [];
        for (const name of names) {
          if (isTransientName(name) || !pattern.test(name)) continue;
          const s = await stat(join(config.dir, name)).catch(() => undefined);
          if (!s?.isFile()) continue;
          if (now - s.mtimeMs < config.minAgeSeconds * 1000) continue;
          files.push({ name, size: s.size, mtimeMs: Math.floor(s.mtimeMs) });
        }
        return files.sort((a, b) => a.mtimeMs - b.mtimeMs || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      },
      async take(file, spoolPath) {
        await moveFile(join(config.dir, file.name), spoolPath);
      },
      async peek(file) {
        return join(config.dir, file.name);
      },
    };
  },
  createDestination(config) {
    return {
      describe: () => `local:${config.dir}`,
      async deliver(localFile, name) {
        await mkdir(config.dir, { recursive: true });
        const final = join(config.dir, name);
        if (config.ifExists === "fail" && (await exists(final)))
          throw new StockfeedError(`${final} already exists (ifExists: fail)`, "sending", "io_failed");
        // a temp name in the destination folder first, so the last step is one atomic rename
        const temp = join(config.dir, `.${name}.part`);
        try {
          await rename(localFile, temp);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== "EXDEV") throw e;
          await copyFile(localFile, temp);
          await fsyncFile(temp);
        }
        await rename(temp, final);
        return { location: final };
      },
    };
  },
};


