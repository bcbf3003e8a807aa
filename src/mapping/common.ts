/**
 * What compiling any mapping file shares: its format and that format's options, unknown keys, failing with every
 * problem.
 */
import type { z } from "zod";
import { ConfigError } from "../errors.js";
import { formats, type FormatDefinition } from "../formats/index.js";
import { problemAt, type LocatedYaml } from "../config/yaml.js";

export function formatOrProblem(y: LocatedYaml, name: string, problems: string[]): FormatDefinition | undefined {
  const format = formats[name];
  if (!format)
    problems.push(
      problemAt(y, ["format"], `unknown format ${JSON.stringify(name)} (known: ${Object.keys(formats).join(", ")})`),
    );
  return format;
}

export function formatOptions(
  y: LocatedYaml,
  format: FormatDefinition,
  schema: z.ZodType,
  problems: string[],
): unknown {
  const raw = (y.data as Record<string, unknown>)[format.name];
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  for (const issue of r.error.issues) {
    const p = [format.name, ...issue.path.filter((k): k is string | number => typeof k !== "symbol")];
    if (issue.code === "unrecognized_keys")
      for (const k of issue.keys) problems.push(problemAt(y, p, "unknown key", k));
    else problems.push(problemAt(y, p, issue.message));
  }
  return undefined;
}

export function extraKeys(y: LocatedYaml, allowed: string[], problems: string[]) {
  for (const k of Object.keys(y.data as object))
    if (!allowed.includes(k)) problems.push(problemAt(y, [], "unknown key", k));
}

export function fail(problems: string[]): never {
  throw new ConfigError(problems[0], problems, "mapping_invalid");
}
