import { copyFile, link, mkdir, opendir, rename, rm, stat, unlink } from "node:fs/promises";
import { dirname, isAbsolute, join, posix, resolve } from "node:path";
import { z } from "zod";
import { TransferError } from "../errors.js";
import { fsyncFile, moveFile } from "../util/fs.js";
import { checkDownloaded } from "./connections.js";
import { deliveryOptions, takingOptions } from "./options.js";
import { SYMLINK } from "./incoming.js";
import type { ListedFile, TransportDefinition } from "./types.js";

const localSource = z.strictObject({
  transport: z.literal("local"),
  ...takingOptions({ stableSeconds: 0, afterTake: "delete" }),
});

const localDestination = z.strictObject({
  transport: z.literal("local"),
  ...deliveryOptions,
});

function within(dir: string, path: string): string {
  return isAbsolute(path) ? path : join(dir, ...path.split("/"));
}

function ioError(e: unknown, what: string, stage: "receiving" | "sending" = "receiving"): TransferError {
  const code = (e as NodeJS.ErrnoException).code;
  return new TransferError(`${what}: ${(e as Error).message}`, code === "EBUSY" || code === "EAGAIN", stage);
}

/** Walks a folder (and subfolders when asked), streaming, failing cleanly past maxEntries. */
async function walk(
  root: string,
  recursive: boolean,
  maxEntries: number,
  skip: (rel: string) => boolean,
): Promise<ListedFile[]> {
  const files: ListedFile[] = [];
  let entries = 0;
  const visit = async (rel: string) => {
    let dir;
    try {
      dir = await opendir(rel ? join(root, rel) : root);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT" && !rel) return;
      throw ioError(e, `cannot list ${join(root, rel)}`);
    }
    for await (const d of dir) {
      if (++entries > maxEntries)
        throw new TransferError(`${root} lists more than ${maxEntries} entries (maxEntries); nothing taken`, false);
      const path = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory()) {
        if (recursive && !d.name.startsWith(".") && !skip(path)) await visit(path);
        continue;
      }
      if (d.isSymbolicLink()) files.push({ path, size: 0, mtime: 0, notRegular: SYMLINK });
      if (!d.isFile()) continue;
      const s = await stat(join(root, path)).catch(() => undefined);
      if (s?.isFile()) files.push({ path, size: s.size, mtime: Math.floor(s.mtimeMs) });
    }
  };
  await visit("");
  return files;
}

export const localTransport: TransportDefinition<typeof localSource, typeof localDestination> = {
  name: "local",
  sourceSchema: localSource,
  destinationSchema: localDestination,
  createSource(config) {
    const root = resolve(config.dir);
    const archive = posix.normalize(config.archiveDir);
    return {
      describe: () => `local:${join(config.dir, config.match)}`,
      list: () => walk(root, config.recursive, config.maxEntries, (rel) => rel === archive),
      async download(path, localPath, expectedSize) {
        await mkdir(dirname(localPath), { recursive: true });
        await copyFile(within(root, path), localPath).catch((e) => {
          throw ioError(e, `cannot copy ${within(root, path)}`);
        });
        await checkDownloaded(`copying ${within(root, path)}`, localPath, expectedSize);
      },
      async claim(path, localPath) {
        await moveFile(within(root, path), localPath).catch((e) => {
          throw ioError(e, `cannot take ${within(root, path)}`);
        });
      },
      async move(from, to) {
        const target = within(root, to);
        await mkdir(dirname(target), { recursive: true });
        await rename(within(root, from), target);
      },
      async remove(path) {
        await rm(within(root, path));
      },
    };
  },
  createDestination(config) {
    const root = resolve(config.dir);
    return {
      describe: () => `local:${config.dir}`,
      location: (path) => within(config.dir, path),
      async size(path) {
        const s = await stat(within(root, path)).catch(() => undefined);
        return s?.isFile() ? s.size : undefined;
      },
      async upload(localPath, path) {
        const target = within(root, path);
        await mkdir(dirname(target), { recursive: true });
        // the outbox file is already on disk (synced when written): on the same filesystem a
        // second name for it costs nothing; elsewhere it is copied and synced
        try {
          await link(localPath, target);
        } catch (e) {
          if (!["EXDEV", "EPERM", "ENOTSUP", "EEXIST"].includes((e as NodeJS.ErrnoException).code ?? "")) throw e;
          await rm(target, { force: true });
          await copyFile(localPath, target);
          await fsyncFile(target);
        }
      },
      async download(path, localPath) {
        await copyFile(within(root, path), localPath);
      },
      async rename(from, to, overwrite) {
        const [a, b] = [within(root, from), within(root, to)];
        await mkdir(dirname(b), { recursive: true });
        if (overwrite) return rename(a, b);
        // link fails if the name exists, atomically: no reader or other writer is ever overwritten
        try {
          await link(a, b);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === "EEXIST")
            throw new TransferError(
              `${b} appeared while delivering (fileExist does not allow overwriting)`,
              false,
              "sending",
            );
          throw e;
        }
        await unlink(a);
      },
      async remove(path) {
        await rm(within(root, path));
      },
    };
  },
};
