import { StockfeedError } from "../../errors.js";
import { Slice } from "./slice.js";

/** X12: control numbers per partner, interchanges received, acknowledgments to send. */
export class SqliteEdi extends Slice {
  // ---- X12 ----------------------------------------------------------------

  /**
   * Reserves the control numbers of one interchange for a partner: the next ISA13 and GS06,
   * and `transactions` ST02 numbers. Committed at once (or with the caller's transaction):
   * a number handed out is never handed out again, even after a crash.
   */
  /**
   * The next control numbers for one interchange to the partner: its ISA13, `groups` GS06s and `transactions` ST02s.
   */
  async reserveControlNumbers(
    partner: string,
    transactions: number,
    groups = 1,
  ): Promise<{ isa: number; gs: number; st: number }> {
    const run = () => {
      const last = (this.db.prepare("SELECT isa, gs, st FROM x12_control WHERE partner = ?").get(partner) as
        { isa: number; gs: number; st: number } | undefined) ?? { isa: 0, gs: 0, st: 0 };
      const next = { isa: last.isa + 1, gs: last.gs + 1, st: last.st + 1 };
      if (next.isa > 999_999_999 || last.gs + groups > 999_999_999 || last.st + transactions > 999_999_999)
        throw new StockfeedError(`X12 control numbers for ${partner} are exhausted`, "sending", "state_failed");
      this.db
        .prepare(
          `INSERT INTO x12_control (partner, isa, gs, st) VALUES (@partner, @isa, @gs, @st) ON CONFLICT (partner)
             DO UPDATE SET isa = excluded.isa, gs = excluded.gs, st = excluded.st`,
        )
        .run({ partner, isa: next.isa, gs: last.gs + groups, st: last.st + transactions });
      return next;
    };
    return this.db.inTransaction ? run() : this.transaction(run);
  }

  /** Where an interchange (sender, receiver, control number) was received and loaded before. */
  async findReceivedInterchange(sender: string, receiver: string, control: string): Promise<string | undefined> {
    const r = this.db
      .prepare(
        `SELECT f.name, f.taken_at FROM x12_received x JOIN files f ON f.id = x.file_id WHERE x.sender = ?
           AND x.receiver = ? AND x.control = ?`,
      )
      .get(sender, receiver, control) as { name: string; taken_at: number } | undefined;
    return r ? `in ${r.name}, taken ${new Date(r.taken_at).toISOString()}` : undefined;
  }

  async recordReceivedInterchange(sender: string, receiver: string, control: string, fileId: number): Promise<void> {
    this.db
      .prepare("INSERT OR IGNORE INTO x12_received (sender, receiver, control, file_id) VALUES (?, ?, ?, ?)")
      .run(sender, receiver, control, fileId);
  }

  async addAck(a: { fileId: number; source: string; name: string; content: string; createdAt: number }): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO acks (file_id, source, name, content, created_at) VALUES (@fileId, @source, @name, @content,
           @createdAt)`,
      )
      .run(a);
  }

  /** Acknowledgments not delivered yet, oldest first, with why the last attempt failed (null before one). */
  async pendingAcks(
    source: string,
  ): Promise<Array<{ id: number; name: string; content: string; error: string | null }>> {
    return this.db
      .prepare("SELECT id, name, content, error FROM acks WHERE source = ? AND delivered_at IS NULL ORDER BY id")
      .all(source) as Array<{ id: number; name: string; content: string; error: string | null }>;
  }

  async ackDelivered(id: number, at: number, location: string): Promise<void> {
    this.db
      .prepare("UPDATE acks SET delivered_at = ?, location = ?, error = NULL, attempts = attempts + 1 WHERE id = ?")
      .run(at, location, id);
  }

  async ackFailed(id: number, error: string): Promise<void> {
    this.db.prepare("UPDATE acks SET error = ?, attempts = attempts + 1 WHERE id = ?").run(error, id);
  }
}
