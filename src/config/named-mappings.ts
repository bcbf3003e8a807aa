import { isAbsolute, resolve } from "node:path";
import { ConfigError } from "../errors.js";
import { compileInputMapping, compileOutputMapping } from "../mapping/compile.js";
import type { InputKind, OutputKind } from "../mapping/kinds.js";
import { problemAt, type LocatedYaml } from "./yaml.js";

/**
 * The mappings a config names, compiled even when the config's own shape is wrong (the
 * schema stops loadConfig before its cross-checks), so that an operator gets the problems
 * of the config and of its mappings in one answer, not in rounds.
 */
type Named = { at: Array<string | number>; file: string; input?: InputKind; output?: OutputKind };

/** The mappings a (possibly malformed) config names, where it names them. */
function namedMappings(data: unknown): Named[] {
  const out: Named[] = [];
  const obj = (v: unknown): Record<string, unknown> | undefined =>
    v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  const add = (at: Array<string | number>, holder: unknown, kind: Pick<Named, "input" | "output">) => {
    const mapping = obj(holder)?.mapping;
    if (typeof mapping === "string" && mapping !== "") out.push({ at: [...at, "mapping"], file: mapping, ...kind });
  };
  list(obj(data)?.merchants).forEach((m, mi) => {
    const base = ["merchants", mi];
    add([...base, "aliases"], obj(m)?.aliases, { input: "aliases" });
    list(obj(m)?.warehouses).forEach((w, wi) => {
      const at = [...base, "warehouses", wi];
      add([...at, "inventory"], obj(w)?.inventory, { input: "inventory" });
      add([...at, "products"], obj(w)?.products, { input: "catalog" });
      add([...at, "productOutput"], obj(w)?.productOutput, { output: "products" });
    });
    list(obj(m)?.carts).forEach((k, ki) => {
      const at = [...base, "carts", ki];
      add([...at, "orders"], obj(k)?.orders, { input: "orders" });
      add([...at, "catalog"], obj(k)?.catalog, { input: "catalog" });
      add([...at, "output"], obj(k)?.output, { output: "cart-inventory" });
    });
  });
  return out;
}

export function mappingProblems(y: LocatedYaml, base: string): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const n of namedMappings(y.data)) {
    const file = isAbsolute(n.file) ? n.file : resolve(base, n.file);
    const key = `${file}#${n.input ?? n.output}`;
    if (seen.has(key)) continue;
    seen.add(key);
    try {
      if (n.input) compileInputMapping(file, n.input);
      else compileOutputMapping(file, n.output);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      problems.push(problemAt(y, n.at, `mapping ${file} is invalid:`), ...e.problems.map((p) => `  ${p}`));
    }
  }
  return problems;
}
