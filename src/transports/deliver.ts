import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, posix } from "node:path";
import { TransferError } from "../errors.js";
import { faultPoint } from "../util/fault.js";
import { sha256File } from "../util/fs.js";
import type { DestinationTransport } from "./types.js";

export interface DeliveryConfig {
  fileExist: "fail" | "overwrite" | "rename-with-suffix";
  tempSuffix: string;
  tempDir?: string;
}

export interface Delivered {
  /** the name it was published under (differs from the asked one with rename-with-suffix) */
  name: string;
  location: string;
  /** an earlier attempt had already published these exact bytes (its result was lost): nothing was sent again */
  alreadyThere: boolean;
}

function suffixed(name: string, n: number): string {
  const dot = name.lastIndexOf(".");
  return dot > 0 ? `${name.slice(0, dot)}-${n}${name.slice(dot)}` : `${name}-${n}`;
}

const MAX_SUFFIX = 999;

/**
 * Publishes a finished local file under `name` so that a reader never sees part of it:
 * uploaded under a temporary name (or into the temp folder), its size checked, then
 * renamed. Output names are deterministic per sync, so before sending, the destination is
 * checked for these exact bytes under the name (or a suffixed one): when an earlier attempt
 * got as far as the rename but its answer was lost, nothing is sent twice.
 */
export async function deliverFile(
  dest: DestinationTransport,
  config: DeliveryConfig,
  localFile: string,
  name: string,
): Promise<Delivered> {
  const size = (await stat(localFile)).size;
  let digest: string | undefined;
  const identical = async (path: string, remoteSize: number | undefined) => {
    if (remoteSize !== size) return false;
    digest ??= await sha256File(localFile);
    const scratch = await mkdtemp(join(tmpdir(), "stockfeed-verify-"));
    try {
      const copy = join(scratch, "remote");
      await dest.download(path, copy);
      return (await sha256File(copy)) === digest;
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  };

  // 1. already there? (a retry after an ambiguous end)
  let target = name;
  const existing = await dest.size(name);
  if (existing !== undefined) {
    if (await identical(name, existing)) return { name, location: dest.location(name), alreadyThere: true };
    if (config.fileExist === "fail")
      throw new TransferError(
        `${dest.location(name)} already exists with other content (fileExist: fail)`,
        false,
        "sending",
      );
    if (config.fileExist === "rename-with-suffix") {
      target = "";
      for (let n = 1; n <= MAX_SUFFIX; n++) {
        const candidate = suffixed(name, n);
        const s = await dest.size(candidate);
        if (s === undefined) {
          target = candidate;
          break;
        }
        if (await identical(candidate, s))
          return { name: candidate, location: dest.location(candidate), alreadyThere: true };
      }
      if (!target)
        throw new TransferError(`${dest.location(name)}: ${MAX_SUFFIX} suffixed names are taken`, false, "sending");
    }
  }

  // 2. upload under the temporary name, check it, rename
  const temp = config.tempDir ? posix.join(config.tempDir, target) : `${target}${config.tempSuffix}`;
  await dest.remove(temp).catch(() => undefined);
  await dest.upload(localFile, temp);
  const uploaded = await dest.size(temp);
  if (uploaded !== size) {
    await dest.remove(temp).catch(() => undefined);
    throw new TransferError(
      `upload of ${name} to ${dest.location(temp)} ended with ${uploaded ?? "no"} bytes of ${size}`,
      true,
      "sending",
    );
  }
  faultPoint("deliver:before-rename");
  try {
    await dest.rename(temp, target, config.fileExist === "overwrite");
  } catch (e) {
    // the rename may have happened before the connection dropped: the target with our size and no temp left is ours
    const [t, left] = await Promise.all([dest.size(target).catch(() => undefined), dest.size(temp).catch(() => 0)]);
    if (!(t === size && left === undefined)) throw e;
  }
  return { name: target, location: dest.location(target), alreadyThere: false };
}
