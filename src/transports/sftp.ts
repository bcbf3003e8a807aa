import { createReadStream, createWriteStream, readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname, posix } from "node:path";
import { Transform, type Readable, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type SftpClient from "ssh2-sftp-client";
import type { SFTPWrapper, Stats } from "ssh2";
import { z } from "zod";
import { TransferError } from "../errors.js";
import type { Logger } from "../log.js";
import {
  checkDownloaded,
  isTransientNetworkError,
  runOnServer,
  withDeadline,
  type ServerSession,
  type Session,
} from "./connections.js";
import { checkHostKey } from "./hostkeys.js";
import { deliveryOptions, envName, notHere, serverOptions, takingOptions } from "./options.js";
import { readSecret, redactor } from "./secrets.js";
import { SYMLINK } from "./incoming.js";
import type { ListedFile, TransportDefinition, TransportRuntime } from "./types.js";

const fingerprint = z
  .string()
  .regex(
    /^SHA256:[A-Za-z0-9+/]{43}$/,
    "an OpenSSH SHA256 fingerprint (ssh-keygen -lf key.pub: SHA256: and 43 characters)",
  );

const sftpServer = {
  ...serverOptions,
  privateKeyPath: z
    .string()
    .min(1)
    .optional()
    .describe(
      "the private key file (OpenSSH or PEM); its passphrase, if any, in the environment variable passphraseEnv",
    ),
  passphraseEnv: envName.optional().describe("the environment variable holding the private key's passphrase"),
  privateKey: notHere("a private key", "put it in a file and give privateKeyPath"),
  passphrase: notHere("a passphrase", "name an environment variable with passphraseEnv"),
  hostKey: z
    .union([fingerprint, z.array(fingerprint).min(1)])
    .optional()
    .describe("the server's host key: one fingerprint or several (during a key rotation)"),
  knownHosts: z.string().min(1).optional().describe("or an OpenSSH known_hosts file listing it"),
};

function pinned<
  T extends { hostKey?: string | string[]; knownHosts?: string; passwordEnv?: string; privateKeyPath?: string },
>(schema: z.ZodType<T>) {
  return schema.superRefine((c, ctx) => {
    if (!c.hostKey && !c.knownHosts)
      ctx.addIssue({
        code: "custom",
        path: ["hostKey"],
        message:
          "an SFTP server's host key must be pinned: give hostKey (SHA256:... as ssh-keygen -lf prints it) or knownHosts (a known_hosts file)",
      });
    if (!c.passwordEnv && !c.privateKeyPath)
      ctx.addIssue({ code: "custom", path: ["passwordEnv"], message: "give passwordEnv or privateKeyPath (or both)" });
  });
}

const sftpSourceObject = z.strictObject({
  transport: z.literal("sftp"),
  ...sftpServer,
  ...takingOptions({ stableSeconds: 10, afterTake: "move" }),
});
const sftpDestinationObject = z.strictObject({ transport: z.literal("sftp"), ...sftpServer, ...deliveryOptions });
const sftpSource = pinned(sftpSourceObject) as unknown as typeof sftpSourceObject;
const sftpDestination = pinned(sftpDestinationObject) as unknown as typeof sftpDestinationObject;
type SftpServer = z.output<typeof sftpSourceObject> | z.output<typeof sftpDestinationObject>;

const STATUS_EOF = 1;
const STATUS_NO_SUCH_FILE = 2;

/** One SSH connection with its SFTP channel to one server for the run, reconnected after a failure. */
class SftpSession implements Session, ServerSession<SFTPWrapper> {
  private client: SftpClient | undefined;
  private sftp: SFTPWrapper | undefined;
  private alive = false;
  private hostKeyProblem: string | undefined;
  private home = "/";
  private readonly redact: (s: string) => string;
  readonly name: string;
  readonly port: number;

  constructor(
    readonly config: SftpServer,
    readonly log: Logger,
  ) {
    this.port = config.port ?? 22;
    this.name = `sftp://${config.user}@${config.host}:${this.port}`;
    this.redact = redactor(config.passwordEnv, config.passphraseEnv);
  }

  classify = (e: unknown): TransferError => {
    if (e instanceof TransferError) return e;
    if (this.hostKeyProblem) return new TransferError(`${this.name}: ${this.hostKeyProblem}`, false);
    const msg = this.redact(String((e as Error)?.message ?? e));
    if (/authentication methods failed|authentication failed|permission denied \(/i.test(msg))
      return new TransferError(`${this.name}: login refused for ${this.config.user}: ${msg}`, false);
    if (/permission denied/i.test(msg) || (e as { code?: unknown })?.code === 3)
      return new TransferError(`${this.name}: permission denied: ${msg}`, false);
    if (/no such file/i.test(msg) || (e as { code?: unknown })?.code === STATUS_NO_SUCH_FILE)
      return new TransferError(`${this.name}: ${msg}`, false);
    if (/passphrase|private key|Cannot parse privateKey/i.test(msg))
      return new TransferError(`${this.name}: the private key cannot be used: ${msg}`, false);
    return new TransferError(`${this.name}: ${msg}`, !this.alive || isTransientNetworkError(e));
  };

  private async connect(): Promise<SFTPWrapper> {
    const c = this.config;
    this.hostKeyProblem = undefined;
    // the library's own listeners print to the console (stdout carries --json answers): ours log instead
    const gone = (event: string) => (e?: Error) => {
      this.alive = false;
      this.log.debug(
        { server: this.name, event, err: e ? this.redact(e.message) : undefined },
        "sftp connection event",
      );
    };
    // loaded with the first connection: a command or run that reaches no SFTP server does not load ssh2
    const { default: Sftp } = await import("ssh2-sftp-client");
    const client = new Sftp("stockfeed", {
      error: gone("error"),
      end: gone("end"),
      close: gone("close"),
    } as never);
    const pin = {
      fingerprints: c.hostKey === undefined ? [] : Array.isArray(c.hostKey) ? c.hostKey : [c.hostKey],
      knownHostsPath: c.knownHosts,
    };
    const sftp = await withDeadline(
      `connecting to ${this.name}`,
      c.connectTimeoutSeconds * 1000,
      client.connect({
        host: c.host,
        port: this.port,
        username: c.user,
        ...(c.passwordEnv ? { password: readSecret(c.passwordEnv) } : {}),
        ...(c.privateKeyPath ? { privateKey: readFileSync(c.privateKeyPath) } : {}),
        ...(c.passphraseEnv ? { passphrase: readSecret(c.passphraseEnv) } : {}),
        readyTimeout: c.connectTimeoutSeconds * 1000,
        keepaliveInterval: Math.min(15, c.idleTimeoutSeconds) * 1000,
        // the SSH protocol trace goes to the trace log, through the redactor
        ...(this.log.isLevelEnabled?.("trace")
          ? { debug: (message: string) => this.log.trace({ server: this.name, ssh: this.redact(message) }, "ssh") }
          : {}),
        keepaliveCountMax: 3,
        hostVerifier: (key: Buffer) => {
          this.hostKeyProblem = checkHostKey(pin, c.host, this.port, key);
          return this.hostKeyProblem === undefined;
        },
      } as SftpClient.ConnectOptions),
      () => void client.end().catch(() => undefined),
    ).catch(async (e) => {
      await client.end().catch(() => undefined);
      throw e;
    });
    this.alive = true;
    this.client = client;
    this.sftp = sftp;
    this.home = await client.realPath(".");
    this.log.info({ server: this.name }, "connected");
    return sftp;
  }

  abs(path: string): string {
    return posix.resolve(this.home, path);
  }

  async ensure(): Promise<SFTPWrapper> {
    if (!this.alive || !this.sftp) {
      await this.close();
      return this.connect();
    }
    return this.sftp;
  }

  drop(): Promise<void> {
    return this.close();
  }

  run<T>(what: string, op: (sftp: SFTPWrapper) => Promise<T>): Promise<T> {
    return runOnServer(this, what, op);
  }

  /** Copies a stream to another, failing when no byte moved for idleTimeoutSeconds (a server gone silent). */
  async transfer(from: Readable, to: Writable, what: string): Promise<void> {
    const idle = this.config.idleTimeoutSeconds * 1000;
    const abort = new AbortController();
    let last = Date.now();
    const timer = setInterval(
      () => {
        if (Date.now() - last > idle)
          abort.abort(
            new TransferError(`${this.name}: ${what}: no data for ${this.config.idleTimeoutSeconds} s (stalled)`, true),
          );
      },
      Math.min(1000, idle / 2),
    );
    const progress = new Transform({
      transform(chunk, _enc, cb) {
        last = Date.now();
        cb(null, chunk);
      },
    });
    try {
      await pipeline(from, progress, to, { signal: abort.signal });
    } catch (e) {
      if (abort.signal.aborted) {
        await this.close();
        throw abort.signal.reason;
      }
      throw e;
    } finally {
      clearInterval(timer);
    }
  }

  get hasPosixRename(): boolean {
    return !!(this.sftp as unknown as { _extensions?: Record<string, string> })?._extensions?.[
      "posix-rename@openssh.com"
    ];
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    this.sftp = undefined;
    this.alive = false;
    if (c) await c.end().catch(() => undefined);
  }
}

function session(config: SftpServer, rt: TransportRuntime): SftpSession {
  const key = JSON.stringify([
    "sftp",
    config.host,
    config.port,
    config.user,
    config.passwordEnv,
    config.privateKeyPath,
    config.passphraseEnv,
    config.hostKey,
    config.knownHosts,
  ]);
  return rt.connections.get(key, () => new SftpSession(config, rt.log));
}

function cb<T>(f: (done: (err: Error | null | undefined, v?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => f((err, v) => (err ? reject(err) : resolve(v as T))));
}

async function statOrUndefined(sftp: SFTPWrapper, path: string): Promise<Stats | undefined> {
  try {
    return await cb<Stats>((done) => sftp.stat(path, done));
  } catch (e) {
    if ((e as { code?: unknown }).code === STATUS_NO_SUCH_FILE) return undefined;
    throw e;
  }
}

async function mkdirs(sftp: SFTPWrapper, absDir: string): Promise<void> {
  let path = "";
  for (const part of absDir.split("/").filter(Boolean)) {
    path += `/${part}`;
    if (!(await statOrUndefined(sftp, path)))
      await cb<void>((done) => sftp.mkdir(path, done)).catch(async (e) => {
        if (!(await statOrUndefined(sftp, path))) throw e;
      });
  }
}

/** Reads a folder a batch at a time, failing past maxEntries before holding more in memory. */
async function readFolder(
  sftp: SFTPWrapper,
  path: string,
  maxEntries: number,
  onEntry: (name: string, attrs: Stats) => Promise<void>,
): Promise<boolean> {
  let handle: Buffer;
  try {
    handle = await cb<Buffer>((done) => sftp.opendir(path, done));
  } catch (e) {
    if ((e as { code?: unknown }).code === STATUS_NO_SUCH_FILE) return false;
    throw e;
  }
  try {
    for (let count = 0; ;) {
      let batch: Array<{ filename: string; attrs: Stats }>;
      try {
        batch = await cb((done) => sftp.readdir(handle, done as never));
      } catch (e) {
        if ((e as { code?: unknown }).code === STATUS_EOF) break;
        throw e;
      }
      if (!batch) break;
      for (const entry of batch) {
        if (++count > maxEntries)
          throw new TransferError(`${path} lists more than ${maxEntries} entries (maxEntries); nothing taken`, false);
        await onEntry(entry.filename, entry.attrs);
      }
    }
  } finally {
    await cb<void>((done) => sftp.close(handle, done)).catch(() => undefined);
  }
  return true;
}

export const sftpTransport: TransportDefinition<typeof sftpSource, typeof sftpDestination> = {
  name: "sftp",
  sourceSchema: sftpSource,
  destinationSchema: sftpDestination,
  createSource(config, rt) {
    const s = session(config, rt);
    const at = (path: string) => s.abs(posix.isAbsolute(path) ? path : posix.join(config.dir, path));
    return {
      describe: () => `${s.name}${posix.join(config.dir, config.match)}`,
      list: () =>
        s.run(`listing ${config.dir}`, async (sftp) => {
          const files: ListedFile[] = [];
          const archive = posix.normalize(config.archiveDir);
          let total = 0;
          const visit = async (rel: string): Promise<void> => {
            const folders: string[] = [];
            await readFolder(sftp, at(rel || "."), config.maxEntries - total, async (name, attrs) => {
              total++;
              if (name === "." || name === "..") return;
              const path = rel ? `${rel}/${name}` : name;
              if (attrs.isDirectory()) {
                if (config.recursive && !name.startsWith(".") && path !== archive) folders.push(path);
              } else if (attrs.isFile()) files.push({ path, size: attrs.size, mtime: attrs.mtime * 1000 });
              else if (attrs.isSymbolicLink()) files.push({ path, size: 0, mtime: 0, notRegular: SYMLINK });
            });
            for (const f of folders) await visit(f);
          };
          await visit("");
          return files;
        }),
      download: (path, localPath, expectedSize) =>
        s.run(`downloading ${path}`, async (sftp) => {
          await mkdir(dirname(localPath), { recursive: true });
          await s.transfer(sftp.createReadStream(at(path)), createWriteStream(localPath), `downloading ${path}`);
          await checkDownloaded(`${s.name}: downloading ${path}`, localPath, expectedSize);
        }),
      move: (from, to) =>
        s.run(`archiving ${from}`, async (sftp) => {
          await mkdirs(sftp, posix.dirname(at(to)));
          await cb<void>((done) => sftp.rename(at(from), at(to), done));
        }),
      remove: (path) => s.run(`deleting ${path}`, (sftp) => cb<void>((done) => sftp.unlink(at(path), done))),
    };
  },
  createDestination(config, rt) {
    const s = session(config, rt);
    const at = (path: string) => s.abs(posix.isAbsolute(path) ? path : posix.join(config.dir, path));
    return {
      describe: () => `${s.name}${config.dir}`,
      location: (path) => `${s.name}${at(path)}`,
      size: (path) => s.run(`size of ${path}`, async (sftp) => (await statOrUndefined(sftp, at(path)))?.size),
      upload: (localPath, path) =>
        s.run(`uploading ${path}`, async (sftp) => {
          await mkdirs(sftp, posix.dirname(at(path)));
          await s.transfer(createReadStream(localPath), sftp.createWriteStream(at(path)), `uploading ${path}`);
        }),
      download: (path, localPath) =>
        s.run(`downloading ${path}`, (sftp) =>
          s.transfer(sftp.createReadStream(at(path)), createWriteStream(localPath), `downloading ${path}`),
        ),
      rename: (from, to, overwrite) =>
        s.run(`renaming ${from} to ${to}`, async (sftp) => {
          if (overwrite && s.hasPosixRename) return cb<void>((done) => sftp.ext_openssh_rename(at(from), at(to), done));
          // plain SFTP rename never replaces a name: without the extension, an overwrite removes the old file first
          if (overwrite) await cb<void>((done) => sftp.unlink(at(to), done)).catch(() => undefined);
          await cb<void>((done) => sftp.rename(at(from), at(to), done)).catch(async (e) => {
            if (!overwrite && (await statOrUndefined(sftp, at(to))))
              throw new TransferError(
                `${s.name}${at(to)} appeared while delivering (fileExist does not allow overwriting)`,
                false,
                "sending",
              );
            throw e;
          });
        }),
      remove: (path) => s.run(`deleting ${path}`, (sftp) => cb<void>((done) => sftp.unlink(at(path), done))),
    };
  },
};
