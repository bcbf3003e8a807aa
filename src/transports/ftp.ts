import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname, posix } from "node:path";
import type { Client, FileInfo, FTPError } from "basic-ftp";
import { z } from "zod";
import { TransferError } from "../errors.js";
import type { Logger } from "../log.js";
import { globToRegExp } from "../util/glob.js";
import {
  checkDownloaded,
  isTransientNetworkError,
  runOnServer,
  withDeadline,
  type ServerSession,
  type Session,
} from "./connections.js";
import { deliveryOptions, serverOptions, takingOptions } from "./options.js";
import { readSecret, redactor } from "./secrets.js";
import { SYMLINK } from "./incoming.js";
import type { ListedFile, TransportDefinition, TransportRuntime } from "./types.js";

const ftpServer = {
  ...serverOptions,
  tls: z
    .enum(["none", "explicit", "implicit"])
    .default("none")
    .describe(
      "explicit FTPS (AUTH TLS on the plain port, the standard) or implicit (TLS from the first byte, port 990)",
    ),
  caPath: z
    .string()
    .min(1)
    .optional()
    .describe(
      "PEM file of the certificate authority (or the self-signed certificate) the server's certificate must chain to",
    ),
  verifyCertificate: z
    .boolean()
    .default(true)
    .describe("leave on: off accepts any certificate, including an attacker's"),
  certificateName: z
    .string()
    .min(1)
    .optional()
    .describe("name the certificate must be issued to, when it is not `host`"),
};

const ftpSource = z.strictObject({
  transport: z.literal("ftp"),
  ...ftpServer,
  ...takingOptions({ stableSeconds: 10, afterTake: "move" }),
});
const ftpDestination = z.strictObject({ transport: z.literal("ftp"), ...ftpServer, ...deliveryOptions });
type FtpServer = z.output<typeof ftpSource> | z.output<typeof ftpDestination>;

/**
 * FTP reply codes a retry may cure: service not available, cannot open data connection, transfer aborted, local error,
 * busy
 */
const TRANSIENT_REPLIES = new Set([421, 425, 426, 450, 451, 452]);

/** basic-ftp, loaded with the first connection: a command or run that reaches no FTP server does not load it */
let ftpLib: typeof import("basic-ftp") | undefined;
/** (no FTPError exists before the library is loaded) */
const isFtpError = (e: unknown): e is FTPError => ftpLib !== undefined && e instanceof ftpLib.FTPError;

function describeServer(c: FtpServer): string {
  return `${c.tls === "none" ? "ftp" : "ftps"}://${c.user}@${c.host}:${c.port ?? (c.tls === "implicit" ? 990 : 21)}`;
}

/** One FTP connection to one server for the run, reconnected after a failure. */
class FtpSession implements Session, ServerSession<Client> {
  private client: Client | undefined;
  private home = "/";
  private readonly redact: (s: string) => string;
  readonly name: string;

  constructor(
    readonly config: FtpServer,
    readonly log: Logger,
  ) {
    this.name = describeServer(config);
    this.redact = redactor(config.passwordEnv);
  }

  classify = (e: unknown): TransferError => {
    if (e instanceof TransferError) return e;
    const msg = this.redact(String((e as Error)?.message ?? e));
    if (isFtpError(e)) {
      const code = e.code;
      if (code === 530) return new TransferError(`${this.name}: login refused (530): ${msg}`, false);
      // a reply that reports a broken data connection is transient whatever its code (ftp-srv answers "551 read
      // ECONNRESET")
      return new TransferError(
        `${this.name}: ${msg}`,
        TRANSIENT_REPLIES.has(code) || /ECONNRESET|EPIPE|ETIMEDOUT|connection (closed|reset)/i.test(msg),
      );
    }
    const code = (e as NodeJS.ErrnoException)?.code;
    if (typeof code === "string" && /CERT|SELF_SIGNED|UNABLE_TO|ERR_TLS/.test(code))
      return new TransferError(
        `${this.name}: the server's TLS certificate is not trusted (${code}): ${msg}; give its CA with caPath`,
        false,
      );
    return new TransferError(`${this.name}: ${msg}`, isTransientNetworkError(e));
  };

  private async connect(): Promise<Client> {
    const c = this.config;
    ftpLib ??= await import("basic-ftp");
    const client = new ftpLib.Client(c.idleTimeoutSeconds * 1000, {
      allowSeparateTransferHost: false,
      maxListingBytes: 64 * 1024 * 1024,
    });
    // the protocol trace goes to the debug log (basic-ftp already writes PASS as ###; the redactor is the second lock)
    client.ftp.verbose = this.log.isLevelEnabled?.("debug") ?? false;
    client.ftp.log = (message: string) => this.log.debug({ server: this.name, ftp: this.redact(message) }, "ftp");
    const secureOptions = {
      rejectUnauthorized: c.verifyCertificate,
      ...(c.caPath ? { ca: readFileSync(c.caPath) } : {}),
      ...(c.certificateName ? { servername: c.certificateName } : {}),
    };
    try {
      const password = c.passwordEnv ? readSecret(c.passwordEnv) : "anonymous@";
      await withDeadline(
        `connecting to ${this.name}`,
        c.connectTimeoutSeconds * 1000,
        client.access({
          host: c.host,
          port: c.port ?? (c.tls === "implicit" ? 990 : 21),
          user: c.user,
          password,
          secure: c.tls === "none" ? false : c.tls === "explicit" ? true : "implicit",
          secureOptions,
        }),
        () => client.close(),
      );
      this.home = await client.pwd();
    } catch (e) {
      // a refused login leaves the control connection open: close it, or it keeps the process alive
      client.close();
      throw e;
    }
    this.log.info({ server: this.name }, "connected");
    return client;
  }

  /** An absolute server path for a path relative to the login folder */
  abs(path: string): string {
    return posix.resolve(this.home, path);
  }

  async ensure(): Promise<Client> {
    if (!this.client || this.client.closed) this.client = await this.connect();
    return this.client;
  }

  drop(): void {
    this.client?.close();
  }

  /**
   * Runs one operation with the connection, reconnecting and retrying transient failures, within the transfer deadline.
   */
  run<T>(what: string, op: (client: Client) => Promise<T>): Promise<T> {
    return runOnServer(this, what, op);
  }

  async close(): Promise<void> {
    this.client?.close();
    this.client = undefined;
  }
}

function session(config: FtpServer, rt: TransportRuntime): FtpSession {
  const key = JSON.stringify([
    "ftp",
    config.host,
    config.port,
    config.user,
    config.passwordEnv,
    config.tls,
    config.caPath,
    config.verifyCertificate,
    config.certificateName,
  ]);
  return rt.connections.get(key, () => new FtpSession(config, rt.log));
}

/**
 * A number that stands for a listing's date text when the server gives no exact time (only ever compared for equality).
 */
function rawTimeNumber(raw: string): number {
  return -parseInt(createHash("sha256").update(raw).digest("hex").slice(0, 12), 16);
}

async function mkdirs(client: Client, absDir: string): Promise<void> {
  let path = "";
  for (const part of absDir.split("/").filter(Boolean)) {
    path += `/${part}`;
    await client.sendIgnoringError(`MKD ${path}`);
  }
}

async function remoteSize(client: Client, path: string): Promise<number | undefined> {
  try {
    return await client.size(path);
  } catch (e) {
    if (isFtpError(e) && e.code >= 500) return undefined;
    throw e;
  }
}

export const ftpTransport: TransportDefinition<typeof ftpSource, typeof ftpDestination> = {
  name: "ftp",
  sourceSchema: ftpSource,
  destinationSchema: ftpDestination,
  createSource(config, rt) {
    const s = session(config, rt);
    const pattern = globToRegExp(config.match);
    const dirOf = (path: string) => posix.join(config.dir, path);
    return {
      describe: () => `${s.name}${s.abs(posix.join(config.dir, config.match))}`,
      list: () =>
        s.run(`listing ${config.dir}`, async (client) => {
          const files: ListedFile[] = [];
          let entries = 0;
          const archive = posix.normalize(config.archiveDir);
          const visit = async (rel: string) => {
            const listing: FileInfo[] = await client.list(s.abs(rel ? dirOf(rel) : config.dir)).catch((e) => {
              if (isFtpError(e) && e.code === 550 && !rel) return [];
              throw e;
            });
            for (const f of listing) {
              if (++entries > config.maxEntries)
                throw new TransferError(
                  `${s.name}: ${config.dir} lists more than ${config.maxEntries} entries (maxEntries); nothing taken`,
                  false,
                );
              if (f.name === "." || f.name === "..") continue;
              const path = rel ? `${rel}/${f.name}` : f.name;
              if (f.isDirectory) {
                if (config.recursive && !f.name.startsWith(".") && path !== archive) await visit(path);
                continue;
              }
              if (f.isSymbolicLink) files.push({ path, size: 0, mtime: 0, notRegular: SYMLINK });
              if (!f.isFile) continue;
              let mtime = f.modifiedAt?.getTime();
              // no exact time in the listing (LIST, not MLSD): ask MDTM for the files that may be taken
              if (mtime === undefined && pattern.test(f.name) && !/[\0\r\n]/.test(path))
                mtime = await client.lastMod(s.abs(dirOf(path))).then(
                  (d) => d.getTime(),
                  () => undefined,
                );
              files.push({ path, size: f.size, mtime: mtime ?? rawTimeNumber(f.rawModifiedAt) });
            }
          };
          await visit("");
          return files;
        }),
      download: (path, localPath, expectedSize) =>
        s.run(`downloading ${path}`, async (client) => {
          await mkdir(dirname(localPath), { recursive: true });
          await client.downloadTo(localPath, s.abs(dirOf(path)));
          await checkDownloaded(`${s.name}: downloading ${path}`, localPath, expectedSize);
        }),
      move: (from, to) =>
        s.run(`archiving ${from}`, async (client) => {
          const target = s.abs(posix.isAbsolute(to) ? to : dirOf(to));
          await mkdirs(client, posix.dirname(target));
          await client.rename(s.abs(dirOf(from)), target);
        }),
      remove: (path) => s.run(`deleting ${path}`, (client) => client.remove(s.abs(dirOf(path))).then(() => undefined)),
    };
  },
  createDestination(config, rt) {
    const s = session(config, rt);
    const at = (path: string) => s.abs(posix.isAbsolute(path) ? path : posix.join(config.dir, path));
    return {
      describe: () => `${s.name}${s.abs(config.dir)}`,
      location: (path) => `${s.name}${at(path)}`,
      size: (path) => s.run(`size of ${path}`, (client) => remoteSize(client, at(path))),
      upload: (localPath, path) =>
        s.run(`uploading ${path}`, async (client) => {
          await mkdirs(client, posix.dirname(at(path)));
          await client.uploadFrom(localPath, at(path));
        }),
      download: (path, localPath) =>
        s.run(`downloading ${path}`, (client) => client.downloadTo(localPath, at(path)).then(() => undefined)),
      rename: (from, to, overwrite) =>
        s.run(`renaming ${from} to ${to}`, async (client) => {
          if (!overwrite && (await remoteSize(client, at(to))) !== undefined)
            throw new TransferError(
              `${s.name}${at(to)} appeared while delivering (fileExist does not allow overwriting)`,
              false,
              "sending",
            );
          try {
            await client.rename(at(from), at(to));
          } catch (e) {
            // servers that refuse to rename over an existing name: remove it, then rename
            if (!(overwrite && isFtpError(e) && e.code >= 500 && (await remoteSize(client, at(to))) !== undefined))
              throw e;
            await client.remove(at(to));
            await client.rename(at(from), at(to));
          }
        }),
      remove: (path) => s.run(`deleting ${path}`, (client) => client.remove(at(path)).then(() => undefined)),
    };
  },
};
