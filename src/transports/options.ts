import { z } from "zod";

/**
 * The options every source shares, whatever its transport: which files, when they are
 * complete, and what happens to them on the server once taken. Defaults differ: a local
 * folder is claimed by a rename (afterTake: delete) and read at once; a server's folder
 * is archived there (afterTake: move) and waits for two equal listings.
 */
const ARCHIVE_INSIDE =
  "no '..' in archiveDir: a relative archive stays inside the source folder (or give an absolute path)";

export function takingOptions(defaults: { stableSeconds: number; afterTake: "move" | "delete" | "keep" }) {
  return {
    dir: z.string().min(1),
    /** glob on the file name */
    match: z.string().min(1).default("*"),
    /** also take files in subfolders (never the archive or temp folders, never dot folders) */
    recursive: z.boolean().default(false),
    /**
     * a file is complete once its size and modification time are unchanged across two
     * listings this far apart (one in an earlier run counts); 0: complete when listed
     */
    stableSeconds: z.number().min(0).max(3600).default(defaults.stableSeconds),
    /**
     * the partner writes a marker once a file is complete: `{name}` the file's name,
     * `{base}` the name without its extension, e.g. "{name}.done" or "{base}.ok".
     * With it, a file without its marker is never taken and size/mtime stability is not used.
     */
    doneFile: z.string().min(1).optional(),
    /** on the server, after the file is loaded: move it into archiveDir, delete it, or keep it (the ledger alone prevents a second load) */
    afterTake: z.enum(["move", "delete", "keep"]).default(defaults.afterTake),
    /** for afterTake: move; relative to dir (inside it: no `..`), or absolute */
    archiveDir: z
      .string()
      .min(1)
      .refine((p) => !p.split(/[\\/]/).includes(".."), ARCHIVE_INSIDE)
      .default("archive"),
    /** a listing with more entries than this fails cleanly instead of exhausting memory */
    maxEntries: z.number().int().positive().default(100_000),
  };
}

/** The options every destination shares: where, and what to do when the name is taken. */
export const deliveryOptions = {
  dir: z.string().min(1),
  /** the name already exists: fail, overwrite it (atomically where the server can), or deliver as name-1.ext, name-2.ext... */
  fileExist: z.enum(["fail", "overwrite", "rename-with-suffix"]).default("fail"),
  /** uploads go to `name + tempSuffix` and are renamed once complete */
  tempSuffix: z.string().min(1).default(".part"),
  /** or to this folder (relative to dir, or absolute; on the same filesystem) and renamed into dir */
  tempDir: z.string().min(1).optional(),
};

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable name");
const notHere = (what: string, instead: string) =>
  z.undefined({ error: `${what} never goes in the config file: ${instead}` }).optional();

/** The options of a connection to a server: who, secrets by reference only, timeouts, retries. */
export const serverOptions = {
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).optional(),
  user: z.string().min(1),
  /** the environment variable holding the password */
  passwordEnv: envName.optional(),
  password: notHere("a password", "name an environment variable with passwordEnv"),
  /** give up connecting after this long */
  connectTimeoutSeconds: z.number().positive().max(600).default(30),
  /** a connection or transfer with no progress for this long is broken (stall) */
  idleTimeoutSeconds: z.number().positive().max(3600).default(60),
  /** a single transfer, listing or command taking longer than this is broken, however slowly it progresses */
  transferDeadlineSeconds: z.number().positive().max(86_400).default(3600),
  /** attempts after the first one for transient failures (refused, reset, timeout, 421/4xx) */
  retries: z.number().int().min(0).max(20).default(3),
  /** first wait between attempts; doubled each time */
  retryDelaySeconds: z.number().min(0).max(600).default(2),
};
export { envName, notHere };
