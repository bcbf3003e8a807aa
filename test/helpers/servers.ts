/**
 * Real file servers on loopback for the transport tests: ftp-srv (plain and explicit TLS)
 * and an SFTP server built on the ssh2 package's server classes over a temp folder; and
 * the same interface over Debian's vsftpd and OpenSSH when CI's interop run starts them
 * (see .ci/interop-servers). The tests do not know which one they talk to.
 */
import { execFileSync } from "node:child_process";
import { createHash, timingSafeEqual } from "node:crypto";
import {
  closeSync,
  fstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmdirSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
  existsSync,
  type Stats,
} from "node:fs";
import { createServer, type AddressInfo, type Server as NetServer, type Socket, connect as netConnect } from "node:net";
import { tmpdir } from "node:os";
import { join, posix } from "node:path";
import { FileSystem, FtpSrv } from "ftp-srv";
import ssh2 from "ssh2";

const { Server: SshServer, utils: sshUtils } = ssh2;
const { STATUS_CODE } = sshUtils.sftp;

export interface TestServer {
  /** ftp, ftps (explicit TLS) or sftp, and who serves it */
  kind: "ftp" | "ftps" | "sftp";
  implementation: string;
  /** the served folder on this machine: tests put and inspect files here directly */
  root: string;
  host: string;
  port: number;
  user: string;
  /** the environment variable the test sets to the password */
  passwordEnv: string;
  /** transport options besides dir (credentials, pins, CA, fast retries) */
  options(overrides?: Record<string, unknown>): Record<string, unknown>;
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const quietLog = {
  child: () => quietLog,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  fatal: () => undefined,
};

let envCounter = 0;
function secretEnv(value: string): string {
  const name = `STOCKFEED_TEST_SECRET_${process.pid}_${++envCounter}`;
  process.env[name] = value;
  return name;
}

/** A self-signed certificate for 127.0.0.1 / localhost (openssl), as PEM files in a temp folder. */
export function selfSignedCertificate(): { keyPath: string; certPath: string } {
  const dir = mkdtempSync(join(tmpdir(), "stockfeed-cert-"));
  const keyPath = join(dir, "key.pem");
  const certPath = join(dir, "cert.pem");
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "2",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=IP:127.0.0.1,DNS:localhost",
      "-keyout",
      keyPath,
      "-out",
      certPath,
    ],
    { stdio: "ignore" },
  );
  return { keyPath, certPath };
}

const FAST = {
  retries: 2,
  retryDelaySeconds: 0.05,
  connectTimeoutSeconds: 5,
  idleTimeoutSeconds: 3,
  transferDeadlineSeconds: 20,
};

/** A listing entry a hostile server adds to every folder: a name no file on disk has. */
function fakeStat(name: string) {
  const now = new Date();
  return {
    name,
    size: 10,
    mode: 0o100644,
    uid: 0,
    gid: 0,
    nlink: 1,
    mtime: now,
    atime: now,
    ctime: now,
    isDirectory: () => false,
    isFile: () => true,
    isSymbolicLink: () => false,
  };
}

export async function startFtpServer(
  opts: { tls?: boolean; password?: string; extraNames?: string[] } = {},
): Promise<TestServer> {
  const root = mkdtempSync(join(tmpdir(), "stockfeed-ftp-root-"));
  const port = await freePort();
  const user = "feeds";
  const password = opts.password ?? "s3cret-ftp-pw";
  const cert = opts.tls ? selfSignedCertificate() : undefined;
  const server = new FtpSrv({
    url: `ftp://127.0.0.1:${port}`,
    pasv_url: "127.0.0.1",
    pasv_min: 40000,
    pasv_max: 49999,
    anonymous: false,
    greeting: ["stockfeed test server"],
    log: quietLog as never,
    ...(cert ? { tls: { key: readFileSync(cert.keyPath), cert: readFileSync(cert.certPath) } } : {}),
  });
  server.on("login", ((
    { connection, username, password: given }: { connection: never; username: string; password: string },
    resolve: (r: { root: string }) => void,
    reject: (e: Error) => void,
  ) => {
    if (username !== user || given !== password) return reject(new Error("Login incorrect"));
    if (!opts.extraNames) return resolve({ root });
    class HostileFileSystem extends FileSystem {
      override async list(path = ".") {
        return [...(await super.list(path)), ...opts.extraNames!.map(fakeStat)];
      }
    }
    resolve({ fs: new HostileFileSystem(connection, { root, cwd: "/" }) } as never);
  }) as never);
  server.on("client-error", () => undefined);
  await server.listen();
  const passwordEnv = secretEnv(password);
  return {
    kind: cert ? "ftps" : "ftp",
    implementation: "ftp-srv",
    root,
    host: "127.0.0.1",
    port,
    user,
    passwordEnv,
    options: (o = {}) => ({
      transport: "ftp",
      host: "127.0.0.1",
      port,
      user,
      passwordEnv,
      ...(cert ? { tls: "explicit", caPath: cert.certPath } : {}),
      ...FAST,
      ...o,
    }),
    close: async () => {
      await server.close().catch(() => undefined);
    },
  };
}

/** An SSH key pair for tests: the private key (OpenSSH format) and its public blob. */
export function sshKeyPair(passphrase?: string): { privateKey: string; publicKey: string } {
  const k = sshUtils.generateKeyPairSync("ed25519", passphrase ? { passphrase, cipher: "aes256-ctr", rounds: 16 } : {});
  return { privateKey: k.private, publicKey: k.public };
}

export function fingerprint(publicKeyBlob: Buffer): string {
  return `SHA256:${createHash("sha256").update(publicKeyBlob).digest("base64").replace(/=+$/, "")}`;
}

function attrsOf(s: Stats) {
  return {
    mode: s.mode,
    uid: s.uid,
    gid: s.gid,
    size: s.size,
    atime: Math.floor(s.atimeMs / 1000),
    mtime: Math.floor(s.mtimeMs / 1000),
  };
}

function longname(name: string, s: Stats): string {
  return `${s.isDirectory() ? "d" : "-"}rw-r--r-- 1 feeds feeds ${s.size} Jan 1 00:00 ${name}`;
}

/**
 * An SFTP server over a folder, built on ssh2's Server: password and public-key login,
 * the SFTP v3 requests a client needs, plain rename that never replaces a name (as
 * OpenSSH). `sessions` counts SSH connections, to prove connection reuse.
 */
export async function startSftpServer(
  opts: { password?: string; clientKey?: { privateKey: string; publicKey: string }; extraNames?: string[] } = {},
): Promise<
  TestServer & { hostKeyFingerprint: string; hostKeyLine: string; sessions: () => number; clientKeyPath?: string }
> {
  const root = mkdtempSync(join(tmpdir(), "stockfeed-sftp-root-"));
  const user = "feeds";
  const password = opts.password ?? "s3cret-sftp-pw";
  const host = sshKeyPair();
  const hostKey = sshUtils.parseKey(host.privateKey);
  if (hostKey instanceof Error) throw hostKey;
  const hostPublic = (Array.isArray(hostKey) ? hostKey[0] : hostKey).getPublicSSH();
  const hostKeyFingerprint = fingerprint(hostPublic);
  const hostKeyLine = `ssh-ed25519 ${hostPublic.toString("base64")}`;
  const allowedKey = opts.clientKey ? sshUtils.parseKey(opts.clientKey.publicKey) : undefined;
  let sessions = 0;

  const server = new SshServer({ hostKeys: [host.privateKey] }, (client) => {
    sessions++;
    client.on("error", () => undefined);
    client.on("authentication", (ctx) => {
      if (ctx.username !== user) return ctx.reject();
      if (ctx.method === "password" && ctx.password === password) return ctx.accept();
      if (ctx.method === "publickey" && allowedKey && !(allowedKey instanceof Error)) {
        const k = Array.isArray(allowedKey) ? allowedKey[0] : allowedKey;
        const blob = k.getPublicSSH();
        if (ctx.key.algo === k.type && ctx.key.data.length === blob.length && timingSafeEqual(ctx.key.data, blob)) {
          if (!ctx.signature) return ctx.accept();
          if (k.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) === true) return ctx.accept();
        }
      }
      ctx.reject(["password", "publickey"]);
    });
    client.on("ready", () => {
      client.on("session", (acceptSession) => {
        const session = acceptSession();
        session.on("sftp", (acceptSftp) => serveSftp(acceptSftp(), root, opts.extraNames ?? []));
      });
    });
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  const passwordEnv = secretEnv(password);
  let clientKeyPath: string | undefined;
  if (opts.clientKey) {
    clientKeyPath = join(mkdtempSync(join(tmpdir(), "stockfeed-key-")), "id_ed25519");
    writeFileSync(clientKeyPath, opts.clientKey.privateKey, { mode: 0o600 });
  }
  return {
    kind: "sftp",
    implementation: "ssh2 Server",
    root,
    host: "127.0.0.1",
    port,
    user,
    passwordEnv,
    hostKeyFingerprint,
    hostKeyLine,
    clientKeyPath,
    sessions: () => sessions,
    options: (o = {}) => ({
      transport: "sftp",
      host: "127.0.0.1",
      port,
      user,
      passwordEnv,
      hostKey: hostKeyFingerprint,
      ...FAST,
      ...o,
    }),
    close: async () => {
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function serveSftp(sftp: ssh2.SFTPWrapper, root: string, extraNames: string[]): void {
  const handles = new Map<number, { fd?: number; dir?: string; entries?: string[]; extra?: string[]; path: string }>();
  let nextHandle = 1;
  const local = (p: string) => join(root, posix.resolve("/", p));
  const handleOf = (buf: Buffer) => (buf.length === 4 ? handles.get(buf.readUInt32BE(0)) : undefined);
  const newHandle = (h: { fd?: number; dir?: string; entries?: string[]; extra?: string[]; path: string }) => {
    const id = nextHandle++;
    handles.set(id, h);
    const b = Buffer.alloc(4);
    b.writeUInt32BE(id, 0);
    return { id, b };
  };
  const fail = (reqid: number, e: unknown) => {
    const code = (e as NodeJS.ErrnoException).code;
    sftp.status(
      reqid,
      code === "ENOENT"
        ? STATUS_CODE.NO_SUCH_FILE
        : code === "EACCES" || code === "EPERM"
          ? STATUS_CODE.PERMISSION_DENIED
          : STATUS_CODE.FAILURE,
      (e as Error).message,
    );
  };
  const guard = (reqid: number, fn: () => void) => {
    try {
      fn();
    } catch (e) {
      fail(reqid, e);
    }
  };

  sftp.on("REALPATH", (reqid, path) =>
    sftp.name(reqid, [{ filename: posix.resolve("/", path), longname: "", attrs: {} as never }]),
  );
  sftp.on("OPEN", (reqid, filename, flags) =>
    guard(reqid, () => {
      const fd = openSync(local(filename), sshUtils.sftp.flagsToString(flags) ?? "r");
      sftp.handle(reqid, newHandle({ fd, path: filename }).b);
    }),
  );
  sftp.on("READ", (reqid, handle, offset, length) =>
    guard(reqid, () => {
      const h = handleOf(handle);
      if (h?.fd === undefined) return sftp.status(reqid, STATUS_CODE.FAILURE);
      const buf = Buffer.alloc(length);
      const n = readSync(h.fd, buf, 0, length, offset);
      if (n === 0) return sftp.status(reqid, STATUS_CODE.EOF);
      sftp.data(reqid, buf.subarray(0, n));
    }),
  );
  sftp.on("WRITE", (reqid, handle, offset, data) =>
    guard(reqid, () => {
      const h = handleOf(handle);
      if (h?.fd === undefined) return sftp.status(reqid, STATUS_CODE.FAILURE);
      writeSync(h.fd, data, 0, data.length, offset);
      sftp.status(reqid, STATUS_CODE.OK);
    }),
  );
  sftp.on("FSTAT", (reqid, handle) =>
    guard(reqid, () => {
      const h = handleOf(handle);
      if (h?.fd === undefined) return sftp.status(reqid, STATUS_CODE.FAILURE);
      sftp.attrs(reqid, attrsOf(fstatSync(h.fd)));
    }),
  );
  const statReq = (reqid: number, path: string) =>
    guard(reqid, () => sftp.attrs(reqid, attrsOf(statSync(local(path)))));
  sftp.on("STAT", statReq);
  sftp.on("LSTAT", statReq);
  sftp.on("SETSTAT", (reqid) => sftp.status(reqid, STATUS_CODE.OK));
  sftp.on("FSETSTAT", (reqid) => sftp.status(reqid, STATUS_CODE.OK));
  sftp.on("CLOSE", (reqid, handle) =>
    guard(reqid, () => {
      const id = handle.length === 4 ? handle.readUInt32BE(0) : -1;
      const h = handles.get(id);
      if (!h) return sftp.status(reqid, STATUS_CODE.FAILURE);
      handles.delete(id);
      if (h.fd !== undefined) closeSync(h.fd);
      sftp.status(reqid, STATUS_CODE.OK);
    }),
  );
  sftp.on("OPENDIR", (reqid, path) =>
    guard(reqid, () => {
      const dir = local(path);
      if (!statSync(dir).isDirectory()) return sftp.status(reqid, STATUS_CODE.FAILURE, "not a directory");
      sftp.handle(reqid, newHandle({ dir, entries: readdirSync(dir), extra: [...extraNames], path }).b);
    }),
  );
  sftp.on("READDIR", (reqid, handle) =>
    guard(reqid, () => {
      const h = handleOf(handle);
      if (!h?.entries) return sftp.status(reqid, STATUS_CODE.FAILURE);
      if (h.entries.length === 0) {
        // a hostile server's names, which no file on disk has
        const extra = h.extra?.splice(0) ?? [];
        if (extra.length === 0) return sftp.status(reqid, STATUS_CODE.EOF);
        const t = Math.floor(Date.now() / 1000);
        return sftp.name(
          reqid,
          extra.map((filename) => ({
            filename,
            longname: filename,
            attrs: { mode: 0o100644, uid: 0, gid: 0, size: 10, atime: t, mtime: t },
          })),
        );
      }
      const batch = h.entries.splice(0, 64).flatMap((name) => {
        const s = statSync(join(h.dir!, name), { throwIfNoEntry: false });
        return s ? [{ filename: name, longname: longname(name, s), attrs: attrsOf(s) }] : [];
      });
      sftp.name(reqid, batch);
    }),
  );
  sftp.on("REMOVE", (reqid, path) => guard(reqid, () => (unlinkSync(local(path)), sftp.status(reqid, STATUS_CODE.OK))));
  sftp.on("RMDIR", (reqid, path) => guard(reqid, () => (rmdirSync(local(path)), sftp.status(reqid, STATUS_CODE.OK))));
  sftp.on("MKDIR", (reqid, path) => guard(reqid, () => (mkdirSync(local(path)), sftp.status(reqid, STATUS_CODE.OK))));
  sftp.on("RENAME", (reqid, from, to) =>
    guard(reqid, () => {
      // SFTP v3 rename never replaces an existing name (OpenSSH does link + unlink)
      if (existsSync(local(to))) return sftp.status(reqid, STATUS_CODE.FAILURE, "target exists");
      renameSync(local(from), local(to));
      sftp.status(reqid, STATUS_CODE.OK);
    }),
  );
}

/**
 * A TCP proxy in front of a server that can cut connections: `cutAfter(n)` makes the next
 * connection that carries a file's bytes (the SFTP session, or an FTP data connection)
 * drop after n bytes from the server (or, with "stall", go silent while staying open). For FTP it rewrites passive-mode replies (PASV and
 * EPSV) so data connections pass through it too.
 */
export async function startCuttingProxy(
  target: { host: string; port: number },
  protocol: "ftp" | "sftp",
): Promise<{
  port: number;
  cutAfter(bytes: number | undefined, how?: "drop" | "stall"): void;
  cuts: () => number;
  close(): Promise<void>;
}> {
  let cutAt: number | undefined;
  let cutHow: "drop" | "stall" = "drop";
  let cuts = 0;
  const servers: NetServer[] = [];
  const sockets = new Set<Socket>();
  const pipe = (client: Socket, upstream: Socket, cuttable: boolean, rewrite?: (chunk: Buffer) => Promise<Buffer>) => {
    sockets.add(client).add(upstream);
    let passed = 0;
    const limit = cuttable ? cutAt : undefined;
    const how = cutHow;
    let stalled = false;
    upstream.on("data", async (chunk: Buffer) => {
      if (stalled) return;
      if (rewrite) {
        upstream.pause();
        chunk = await rewrite(chunk);
        upstream.resume();
      }
      if (limit !== undefined && passed + chunk.length >= limit) {
        client.write(chunk.subarray(0, Math.max(0, limit - passed)));
        cuts++;
        cutAt = undefined;
        // drop: both sides closed; stall: the connection stays open and nothing more passes
        if (how === "stall") stalled = true;
        else {
          client.destroy();
          upstream.destroy();
        }
        return;
      }
      passed += chunk.length;
      client.write(chunk);
    });
    client.on("data", (chunk) => upstream.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
  };
  const listen = async (onConnection: (s: Socket) => void): Promise<number> => {
    const srv = createServer(onConnection);
    servers.push(srv);
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    return (srv.address() as AddressInfo).port;
  };
  /** a listener for one passive data port of the server */
  const dataPort = (serverPort: number) => listen((c) => pipe(c, netConnect(serverPort, target.host), true));

  const port = await listen((c) => {
    const upstream = netConnect(target.port, target.host);
    if (protocol === "sftp") return pipe(c, upstream, true);
    pipe(c, upstream, false, async (chunk) => {
      const text = chunk.toString("latin1");
      const epsv = /^229 (.*)\(\|\|\|(\d+)\|\)/m.exec(text);
      if (epsv) return Buffer.from(text.replace(`|||${epsv[2]}|`, `|||${await dataPort(Number(epsv[2]))}|`), "latin1");
      const pasv = /^227 .*?\((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)/m.exec(text);
      if (pasv) {
        const p = await dataPort(Number(pasv[5]) * 256 + Number(pasv[6]));
        return Buffer.from(
          text.replace(pasv[0].slice(pasv[0].indexOf("(")), `(127,0,0,1,${Math.floor(p / 256)},${p % 256})`),
          "latin1",
        );
      }
      return chunk;
    });
  });
  return {
    port,
    cutAfter: (bytes, how = "drop") => {
      cutAt = bytes;
      cutHow = how;
    },
    cuts: () => cuts,
    close: async () => {
      for (const s of sockets) s.destroy();
      await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    },
  };
}

/** A server that accepts connections and never says a word (a hung partner). */
export async function startSilentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const srv = createServer((s) => {
    sockets.add(s);
    s.on("error", () => undefined);
  });
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  return {
    port: (srv.address() as AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => srv.close(() => r()));
    },
  };
}
