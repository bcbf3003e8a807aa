type Cell = string | number | null | undefined;

const text = (c: Cell) => (c === null || c === undefined ? "" : String(c));

function widthsOf(headers: string[], cells: string[][], from: number[] = headers.map((h) => h.length)): number[] {
  const widths = [...from];
  for (const r of cells) for (let i = 0; i < widths.length; i++) widths[i] = Math.max(widths[i], (r[i] ?? "").length);
  return widths;
}

function lineOf(r: string[], widths: number[]): string {
  return r
    .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i])))
    .join("  ")
    .trimEnd();
}

/** An aligned text table for people; `--json` is the form for programs. */
export function formatTable(headers: string[], rows: Array<Cell[]>): string {
  const cells = rows.map((r) => r.map(text));
  const widths = widthsOf(headers, cells);
  return [
    lineOf(headers, widths),
    lineOf(
      widths.map((w) => "-".repeat(w)),
      widths,
    ),
    ...cells.map((r) => lineOf(r, widths)),
  ].join("\n");
}

/**
 * The same table, streamed: rows are printed a page at a time, aligned on the widths seen so
 * far (a later, wider cell widens its column from there on). Memory stays one page whatever
 * the number of rows. Nothing is printed for no rows. Returns how many rows were printed.
 */
export async function streamTable(
  headers: string[],
  rows: AsyncIterable<Cell[]> | Iterable<Cell[]>,
  write: (text: string) => void,
  stop: () => boolean = () => false,
  page = 500,
): Promise<number> {
  let widths: number[] | undefined;
  let batch: string[][] = [];
  let n = 0;
  const flush = () => {
    if (!widths) {
      widths = widthsOf(headers, batch);
      write(
        [
          lineOf(headers, widths),
          lineOf(
            widths.map((w) => "-".repeat(w)),
            widths,
          ),
        ].join("\n"),
      );
    } else widths = widthsOf(headers, batch, widths);
    if (batch.length) write(batch.map((r) => lineOf(r, widths!)).join("\n"));
    batch = [];
  };
  for await (const r of rows) {
    batch.push(r.map(text));
    n++;
    if (batch.length >= page) {
      flush();
      if (stop()) return n;
    }
  }
  if (batch.length) flush();
  return n;
}
