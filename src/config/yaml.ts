import { readFileSync } from "node:fs";
import { LineCounter, parseDocument, isMap, isPair, isScalar, type Document, type Node } from "yaml";
import type { z } from "zod";
import { ConfigError, type ErrorKind } from "../errors.js";

/** A YAML file parsed with positions, so every problem can name its key path and line. */
export interface LocatedYaml {
  file: string;
  text: string;
  doc: Document;
  lines: LineCounter;
  data: unknown;
}

export function readYaml(file: string, kind: ErrorKind = "config_invalid"): LocatedYaml {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new ConfigError(`${file}: cannot read: ${(e as Error).message}`, undefined, kind);
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => `${file}:${lines.linePos(e.pos[0]).line}: ${e.message.split("\n")[0]}`);
    throw new ConfigError(problems[0], problems, kind);
  }
  let data: unknown;
  try {
    // an alias expanded past the limit is refused: a "billion laughs" file would exhaust memory
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    throw new ConfigError(
      `${file}: ${(e as Error).message} (YAML aliases expand to more than ${MAX_ALIAS_COUNT} nodes)`,
      undefined,
      kind,
    );
  }
  return { file, text, doc, lines, data };
}

/** how many nodes YAML aliases may expand to in one file (anchors reused a few times are fine) */
const MAX_ALIAS_COUNT = 1000;

type PathKey = string | number;

function lineOf(y: LocatedYaml, path: readonly PathKey[], key?: string): number | undefined {
  let node = y.doc.getIn(path, true) as Node | undefined;
  // walk up to the nearest existing ancestor when the key itself is missing
  let p = [...path];
  while (!node && p.length > 0) {
    p = p.slice(0, -1);
    node = (p.length ? y.doc.getIn(p, true) : y.doc.contents) as Node | undefined;
  }
  if (key !== undefined && isMap(node)) {
    const pair = node.items.find((it) => isPair(it) && isScalar(it.key) && it.key.value === key);
    if (pair && isScalar(pair.key) && pair.key.range) return y.lines.linePos(pair.key.range[0]).line;
  }
  const range = node?.range;
  return range ? y.lines.linePos(range[0]).line : undefined;
}

export function formatPath(path: readonly PathKey[]): string {
  return path.map((k, i) => (typeof k === "number" ? `[${k}]` : i === 0 ? k : `.${k}`)).join("") || "(top)";
}

/** `file:line: a.b[0].c: message`, with the line of the key when it exists in the file. */
export function problemAt(y: LocatedYaml, path: readonly PathKey[], message: string, key?: string): string {
  const line = lineOf(y, path, key);
  const full = key === undefined ? path : [...path, key];
  return `${y.file}${line ? `:${line}` : ""}: ${formatPath(full)}: ${message}`;
}

export function zodProblems(y: LocatedYaml, error: z.ZodError): string[] {
  const out: string[] = [];
  for (const issue of error.issues) {
    const path = issue.path.filter((k): k is PathKey => typeof k === "string" || typeof k === "number");
    if (issue.code === "unrecognized_keys") {
      for (const k of issue.keys) out.push(problemAt(y, path, "unknown key (check its spelling and place)", k));
    } else {
      out.push(problemAt(y, path, issue.message));
    }
  }
  return out;
}

/** Validates parsed YAML with a zod schema, or throws one ConfigError listing every problem. */
export function parseWith<S extends z.ZodType>(
  y: LocatedYaml,
  schema: S,
  kind: ErrorKind = "config_invalid",
): z.output<S> {
  const r = schema.safeParse(y.data ?? {});
  if (!r.success) {
    const problems = zodProblems(y, r.error);
    throw new ConfigError(problems[0], problems, kind);
  }
  return r.data;
}
