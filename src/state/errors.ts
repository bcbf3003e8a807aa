import Database from "better-sqlite3";
import { StockfeedError } from "../errors.js";

/** What an SQLite failure of the state means for an operator, by its code. */
const MEANING: Array<[RegExp, string]> = [
  [/^SQLITE_FULL/, "its disk is full"],
  [/^SQLITE_NOTADB/, "the file is not a stockfeed state database (not SQLite)"],
  [/^SQLITE_CORRUPT/, "the database is damaged: restore it from a backup"],
  [/^SQLITE_READONLY/, "it cannot be written (read-only file or folder)"],
  [/^SQLITE_CANTOPEN/, "it cannot be opened (missing folder or permission)"],
  [/^SQLITE_IOERR/, "the disk reported an I/O error"],
  [/^SQLITE_(BUSY|LOCKED)/, "another process holds it locked"],
  [/^SQLITE_PERM/, "permission denied"],
];

/**
 * An SQLite failure of the state database as an operator's fault (a full disk, a file that
 * is not a database...): one line, the state stage, exit 1. Undefined for anything else,
 * which stays what it is (a bug is a bug).
 */
export function stateFault(e: unknown, path?: string): StockfeedError | undefined {
  if (e instanceof StockfeedError && e.stage === "state") return e;
  if (!(e instanceof Database.SqliteError)) return undefined;
  const meaning = MEANING.find(([re]) => re.test(e.code))?.[1];
  if (!meaning) return undefined;
  const where = path ? `the state database ${path}` : "the state database";
  const retriable = /^SQLITE_(FULL|BUSY|LOCKED|IOERR)/.test(e.code);
  return new StockfeedError(
    `${where} failed: ${meaning} (${e.code}: ${e.message})`,
    "state",
    "state_failed",
    retriable,
  );
}
