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
    dir: z.string().min(1).describe("the folder files are taken from (on the server, for ftp and sftp)"),
    match: z.string().min(1).default("*").describe("glob on the file name"),
    recursive: z
      .boolean()
      .default(false)
      .describe("also take files in subfolders (never the archive or temp folders, never dot folders)"),
    stableSeconds: z
      .number()
      .min(0)
      .max(3600)
      .default(defaults.stableSeconds)
      .describe(
        "a file is complete once its size and modification time are unchanged across two listings this far apart (one in an earlier run counts); 0: complete when listed",
      ),
    doneFile: z
      .string()
      .min(1)
      .optional()
      .describe(
        'the partner writes a marker once a file is complete: `{name}` the file\'s name, `{base}` the name without its extension, e.g. "{name}.done" or "{base}.ok". With it, a file without its marker is never taken and size/mtime stability is not used.',
      ),
    afterTake: z
      .enum(["move", "delete", "keep"])
      .default(defaults.afterTake)
      .describe(
        "on the server, after the file is loaded: move it into archiveDir, delete it, or keep it (the ledger alone prevents a second load)",
      ),
    archiveDir: z
      .string()
      .min(1)
      .refine((p) => !p.split(/[\\/]/).includes(".."), ARCHIVE_INSIDE)
      .default("archive")
      .describe("for afterTake: move; relative to dir (inside it: no `..`), or absolute"),
    maxEntries: z
      .number()
      .int()
      .positive()
      .default(100_000)
      .describe("a listing with more entries than this fails cleanly instead of exhausting memory"),
  };
}

/** The options every destination shares: where, and what to do when the name is taken. */
export const deliveryOptions = {
  dir: z.string().min(1).describe("the folder files are delivered to (on the server, for ftp and sftp)"),
  fileExist: z
    .enum(["fail", "overwrite", "rename-with-suffix"])
    .default("fail")
    .describe(
      "the name already exists: fail, overwrite it (atomically where the server can), or deliver as name-1.ext, name-2.ext...",
    ),
  tempSuffix: z
    .string()
    .min(1)
    .default(".part")
    .describe("uploads go to `name + tempSuffix` and are renamed once complete"),
  tempDir: z
    .string()
    .min(1)
    .optional()
    .describe("or to this folder (relative to dir, or absolute; on the same filesystem) and renamed into dir"),
};

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable name");
const notHere = (what: string, instead: string) =>
  z
    .undefined({ error: `${what} never goes in the config file: ${instead}` })
    .optional()
    .describe(`refused: ${what} never goes in the config file; ${instead}`);

/** The options of a connection to a server: who, secrets by reference only, timeouts, retries. */
export const serverOptions = {
  host: z.string().min(1).describe("the server's host name or address"),
  port: z
    .number()
    .int()
    .min(1)
    .max(65535)
    .optional()
    .describe("the server's port (default: 21, 990 for implicit TLS, 22 for SFTP)"),
  user: z.string().min(1).describe("the login"),
  passwordEnv: envName.optional().describe("the environment variable holding the password"),
  password: notHere("a password", "name an environment variable with passwordEnv"),
  connectTimeoutSeconds: z.number().positive().max(600).default(30).describe("give up connecting after this long"),
  idleTimeoutSeconds: z
    .number()
    .positive()
    .max(3600)
    .default(60)
    .describe("a connection or transfer with no progress for this long is broken (stall)"),
  transferDeadlineSeconds: z
    .number()
    .positive()
    .max(86_400)
    .default(3600)
    .describe("a single transfer, listing or command taking longer than this is broken, however slowly it progresses"),
  retries: z
    .number()
    .int()
    .min(0)
    .max(20)
    .default(3)
    .describe("attempts after the first one for transient failures (refused, reset, timeout, 421/4xx)"),
  retryDelaySeconds: z.number().min(0).max(600).default(2).describe("first wait between attempts; doubled each time"),
};
export { envName, notHere };
