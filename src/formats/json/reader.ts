import { readFile, stat } from "node:fs/promises";
import { parseTree, printParseErrorCode, type Node, type ParseError } from "jsonc-parser";
import { z } from "zod";
import { FileUnreadableError } from "../../errors.js";
import type { SourceRow, TableReader } from "../types.js";
import { checkAgainstRecord, parseJsonPath, type JsonPath, type Step } from "./path.js";

export const jsonReaderOptions = z.strictObject({
  /** the path to each record: `[]` for each element of an array, e.g. results[].inventory.products[] */
  record: z
    .string()
    .min(1)
    .superRefine((r, ctx) => {
      const bad = checkJsonRecordPath(r);
      if (bad) ctx.addIssue({ code: "custom", message: bad });
    }),
  /** files are read whole: larger ones are refused, not allowed to exhaust memory */
  maxBytes: z
    .number()
    .int()
    .min(1)
    .default(256 * 1024 * 1024),
});

export type JsonReaderOptions = z.output<typeof jsonReaderOptions>;

function recordPath(o: JsonReaderOptions): JsonPath {
  const p = parseJsonPath(o.record);
  if (typeof p === "string") throw new Error(p);
  return p;
}

export function checkJsonRecordPath(record: string): string | undefined {
  const p = parseJsonPath(record);
  if (typeof p === "string") return p;
  if (p.steps.some((s) => "all" in s))
    return `${JSON.stringify(record)}: a record path takes [] for each element, not [*]`;
  return undefined;
}

export function checkJsonColumn(column: string, o: JsonReaderOptions): string | undefined {
  const p = parseJsonPath(column);
  if (typeof p === "string") return p;
  const bad = checkJsonRecordPath(o.record);
  return bad ?? checkAgainstRecord(p, recordPath(o), column);
}

function child(node: Node | undefined, key: string): Node | undefined {
  if (node?.type !== "object") return undefined;
  // the last of duplicate keys wins, as JSON.parse does
  let found: Node | undefined;
  for (const prop of node.children ?? []) if (prop.children?.[0].value === key) found = prop.children[1];
  return found;
}

/** Every node a path reaches from `from`; `bound` gives the element of each `[]` in turn. */
function walk(from: Node | undefined, steps: Step[], bound: Node[]): Node[] {
  let nodes: Node[] = from ? [from] : [];
  let each = 0;
  for (const s of steps) {
    const next: Node[] = [];
    for (const n of nodes) {
      if ("key" in s) {
        const c = child(n, s.key);
        if (c) next.push(c);
      } else if ("index" in s) {
        const c = n.type === "array" ? n.children?.[s.index] : undefined;
        if (c) next.push(c);
      } else if ("all" in s) {
        if (n.type === "array") next.push(...(n.children ?? []));
      } else if (bound[each]) next.push(bound[each]);
    }
    if ("each" in s) each++;
    nodes = next;
  }
  return nodes;
}

/** A scalar's text as the file wrote it (numbers keep their digits: 12.50 stays 12.50). */
function scalarTexts(n: Node, text: string): string[] {
  switch (n.type) {
    case "string":
      return [n.value as string];
    case "number":
      return [text.slice(n.offset, n.offset + n.length)];
    case "boolean":
      return [String(n.value)];
    case "array":
      return (n.children ?? []).flatMap((c) => (c.type === "array" || c.type === "object" ? [] : scalarTexts(c, text)));
    default:
      return [];
  }
}

/**
 * Records of a JSON file, with the line each record starts on. Keys are only compared,
 * never turned into object properties (no prototype pollution); comments and trailing
 * commas are errors, as in JSON.
 */
export async function openJsonTable(
  file: string,
  wanted: readonly string[],
  o: JsonReaderOptions,
): Promise<TableReader> {
  const size = (await stat(file)).size;
  if (size > o.maxBytes)
    throw new FileUnreadableError(`the JSON file is ${size} bytes, more than maxBytes ${o.maxBytes}`, file);
  const text = (await readFile(file, "utf8")).replace(/^\uFEFF/, "");
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const lineOf = (offset: number) => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  if (errors.length > 0 || !root) {
    const e = errors[0];
    throw new FileUnreadableError(
      e ? `line ${lineOf(e.offset)}: not valid JSON: ${printParseErrorCode(e.error)}` : "not valid JSON: empty",
      file,
    );
  }
  const rec = recordPath(o);
  const paths = wanted.map((w) => parseJsonPath(w) as JsonPath);

  // records in document order, each with the array elements it sits in
  const records: Array<{ node: Node; bound: Node[] }> = [];
  const visit = (node: Node, at: number, bound: Node[]) => {
    if (at === rec.steps.length) {
      records.push({ node, bound });
      return;
    }
    const s = rec.steps[at];
    if ("each" in s) {
      if (node.type === "array") for (const c of node.children ?? []) visit(c, at + 1, [...bound, c]);
      return;
    }
    const [next] = walk(node, [s], []);
    if (next) visit(next, at + 1, bound);
  };
  visit(root, 0, []);
  if (
    records.length === 0 &&
    walk(root, rec.steps.filter((s) => !("each" in s)).slice(0, 1), []).length === 0 &&
    rec.steps.length > 0 &&
    "key" in rec.steps[0]
  )
    throw new FileUnreadableError(
      `no ${JSON.stringify((rec.steps[0] as { key: string }).key)} at the top of the document: the mapping reads records at ${o.record}`,
      file,
    );

  async function* rows(): AsyncGenerator<SourceRow> {
    for (const r of records) {
      const values = paths.map((p) => {
        const nodes = p.absolute ? walk(root, p.steps, r.bound) : walk(r.node, p.steps, r.bound);
        const texts = nodes.flatMap((n) => scalarTexts(n, text));
        const many = p.steps.some((s) => "all" in s) || nodes.some((n) => n.type === "array");
        return texts.length === 0 ? undefined : many ? texts : texts[0];
      });
      yield { line: lineOf(r.node.offset), values };
    }
  }
  // the file was read whole: nothing stays open
  return { present: wanted.map(() => true), rows: rows(), close: () => {} };
}
