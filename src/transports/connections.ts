import { stat } from "node:fs/promises";
import { TransferError } from "../errors.js";
import type { Logger } from "../log.js";

/** A connection to one server, opened on first use and closed when the run ends. */
export interface Session {
  close(): Promise<void>;
}

/**
 * One connection per server per run: every feed and destination on the same server (same
 * host, port, user and security settings) shares it, one operation at a time. Closed on
 * every path out of the run.
 */
export class Connections {
  private readonly open = new Map<string, Session>();

  get<S extends Session>(key: string, create: () => S): S {
    let s = this.open.get(key);
    if (!s) {
      s = create();
      this.open.set(key, s);
    }
    return s as S;
  }

  async closeAll(): Promise<void> {
    const sessions = [...this.open.values()];
    this.open.clear();
    await Promise.allSettled(sessions.map((s) => s.close()));
  }
}

export interface RetryPolicy {
  /** attempts after the first one, for transient failures only */
  retries: number;
  /** the first wait; doubled on every further attempt, capped at 60 s */
  retryDelaySeconds: number;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Runs `op` and retries it while it fails transiently (TransferError.retriable), waiting
 * retryDelay, 2x, 4x... in between; a permanent failure or the last attempt's is thrown.
 * `classify` turns whatever the client threw into a TransferError.
 */
export async function withRetries<T>(
  what: string,
  policy: RetryPolicy,
  log: Logger,
  op: () => Promise<T>,
  classify: (e: unknown) => TransferError,
  onFailure?: (e: TransferError) => Promise<void> | void,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await op();
    } catch (raw) {
      const e = classify(raw);
      await onFailure?.(e);
      if (!e.retriable || attempt >= policy.retries) {
        if (e.retriable && policy.retries > 0) e.message = `${e.message} (gave up after ${attempt + 1} attempts)`;
        throw e;
      }
      const wait = Math.min(60_000, policy.retryDelaySeconds * 1000 * 2 ** attempt);
      log.warn({ what, attempt: attempt + 1, waitMs: wait, err: e.message }, "transient transfer failure; retrying");
      await sleep(wait);
    }
  }
}

/** A server connection as runOnServer drives it. */
export interface ServerSession<C> {
  readonly name: string;
  readonly config: RetryPolicy & { transferDeadlineSeconds: number };
  readonly log: Logger;
  /** the open connection, connecting (again) when there is none or it broke */
  ensure(): Promise<C>;
  /** breaks the connection off (after a transient failure, or a deadline) */
  drop(): Promise<void> | void;
  classify(e: unknown): TransferError;
}

/**
 * One operation against a server: on the open connection (reconnecting when needed),
 * within the transfer deadline, retried after transient failures on a fresh connection.
 */
export function runOnServer<C, T>(
  session: ServerSession<C>,
  what: string,
  op: (connection: C) => Promise<T>,
): Promise<T> {
  const label = `${session.name}: ${what}`;
  return withRetries(
    label,
    session.config,
    session.log,
    async () =>
      withDeadline(
        label,
        session.config.transferDeadlineSeconds * 1000,
        op(await session.ensure()),
        () => void session.drop(),
      ),
    (e) => session.classify(e),
    async (e) => {
      if (e.retriable) await session.drop();
    },
  );
}

/**
 * Rejects with a transient TransferError when `work` has not settled within `ms`, after
 * calling `onExpire` (which must break the connection, so the work itself ends too).
 */
export async function withDeadline<T>(what: string, ms: number, work: Promise<T>, onExpire: () => void): Promise<T> {
  if (!(ms > 0)) return work;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onExpire();
      reject(new TransferError(`${what}: no result within ${Math.round(ms / 1000)} s; connection closed`, true));
    }, ms);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
    work.catch(() => undefined);
  }
}

const TRANSIENT_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ECONNABORTED",
  "EAI_AGAIN",
  "ENOTCONN",
  "ERR_STREAM_PREMATURE_CLOSE",
]);

/** A network-level error (socket refused, reset, timed out) is transient. */
export function isTransientNetworkError(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  if (typeof code === "string" && TRANSIENT_CODES.has(code)) return true;
  const msg = String((e as Error)?.message ?? e);
  return /timeout|timed out|ECONNRESET|ECONNREFUSED|socket hang up|closed|EPIPE|not connected|No SFTP connection|connection lost|end of file/i.test(
    msg,
  );
}

/** Throws a transient TransferError when a download did not bring exactly the listed size. */
export async function checkDownloaded(
  what: string,
  localPath: string,
  expectedSize: number | undefined,
): Promise<void> {
  if (expectedSize === undefined) return;
  const got = (await stat(localPath)).size;
  if (got !== expectedSize)
    throw new TransferError(
      `${what}: ${got} bytes arrived, the listing said ${expectedSize} (cut off, or changed while downloading)`,
      true,
    );
}
