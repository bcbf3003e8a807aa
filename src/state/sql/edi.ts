import { StockfeedError } from "../../errors.js";
import type { SqlSession } from "./session.js";

/** X12 numbers its control numbers with at most nine digits */
const LAST_CONTROL = 999_999_999;

/**
 * X12: control numbers per partner, interchanges received, acknowledgments to send; one
 * implementation for every store, on the shared SQL session.
 */
export class Edi {
  constructor(private readonly sql: SqlSession) {}

  /**
   * Reserves the control numbers of one interchange to the partner: its ISA13, `groups` GS06s
   * and `transactions` ST02s, as the first of each. One statement takes them (the row is
   * locked while it does), so sessions on several machines never get the same number; it is
   * committed at once or with the caller's transaction: a number handed out is never handed
   * out again, even after a crash.
   */
  async reserveControlNumbers(
    partner: string,
    transactions: number,
    groups = 1,
  ): Promise<{ isa: number; gs: number; st: number }> {
    return this.sql.transaction(async () => {
      const taken = await this.sql.get<{ isa: number; gs: number; st: number }>(
        `INSERT INTO x12_control (partner, isa, gs, st) VALUES (@partner, 1, @groups, @transactions)
           ON CONFLICT (partner) DO UPDATE SET isa = x12_control.isa + 1, gs = x12_control.gs + @groups,
             st = x12_control.st + @transactions
           RETURNING isa, gs, st`,
        { partner, groups, transactions },
      );
      const { isa, gs, st } = taken!;
      if (isa > LAST_CONTROL || gs > LAST_CONTROL || st > LAST_CONTROL)
        throw new StockfeedError(`X12 control numbers for ${partner} are exhausted`, "sending", "state_failed");
      return { isa, gs: gs - groups + 1, st: st - transactions + 1 };
    });
  }

  /** Where an interchange (sender, receiver, control number) was received and loaded before. */
  async findReceivedInterchange(sender: string, receiver: string, control: string): Promise<string | undefined> {
    const r = await this.sql.get<{ name: string; taken_at: number }>(
      `SELECT f.name, f.taken_at FROM x12_received x JOIN files f ON f.id = x.file_id WHERE x.sender = ?
         AND x.receiver = ? AND x.control = ?`,
      [sender, receiver, control],
    );
    return r ? `in ${r.name}, taken ${new Date(r.taken_at).toISOString()}` : undefined;
  }

  async recordReceivedInterchange(sender: string, receiver: string, control: string, fileId: number): Promise<void> {
    await this.sql.run(
      `INSERT INTO x12_received (sender, receiver, control, file_id) VALUES (?, ?, ?, ?)
         ON CONFLICT DO NOTHING`,
      [sender, receiver, control, fileId],
    );
  }

  async addAck(a: { fileId: number; source: string; name: string; content: string; createdAt: number }): Promise<void> {
    await this.sql.run(
      `INSERT INTO acks (file_id, source, name, content, created_at) VALUES (@fileId, @source, @name, @content,
         @createdAt)`,
      a,
    );
  }

  /** Acknowledgments not delivered yet, oldest first, with why the last attempt failed (null before one). */
  async pendingAcks(
    source: string,
  ): Promise<Array<{ id: number; name: string; content: string; error: string | null }>> {
    return this.sql.all(
      "SELECT id, name, content, error FROM acks WHERE source = ? AND delivered_at IS NULL ORDER BY id",
      [source],
    );
  }

  async ackDelivered(id: number, at: number, location: string): Promise<void> {
    await this.sql.run(
      "UPDATE acks SET delivered_at = ?, location = ?, error = NULL, attempts = attempts + 1 WHERE id = ?",
      [at, location, id],
    );
  }

  async ackFailed(id: number, error: string): Promise<void> {
    await this.sql.run("UPDATE acks SET error = ?, attempts = attempts + 1 WHERE id = ?", [error, id]);
  }
}
