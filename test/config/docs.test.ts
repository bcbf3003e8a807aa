import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { configJsonSchema, configReference, replaceReference } from "../../src/config/json-schema.js";
import { stockfeed } from "../helpers/cli.js";
import { ROOT } from "../helpers/scenario.js";

type Node = { properties?: Record<string, Node>; items?: Node; anyOf?: Node[]; oneOf?: Node[] };

/** The schema nodes a value at this key may match (through anyOf/oneOf). */
function childrenAt(node: Node, key: string): Node[] {
  const alts = node.anyOf ?? node.oneOf;
  if (alts) return alts.flatMap((a) => childrenAt(a, key));
  const child = node.properties?.[key];
  return child ? [child] : [];
}

/** Every key path in a YAML value that the JSON Schema does not describe. */
function undescribed(value: unknown, nodes: Node[], path: string): string[] {
  if (Array.isArray(value)) {
    const items = nodes.flatMap((n) => [n, ...(n.anyOf ?? [])]).flatMap((n) => (n.items ? [n.items] : []));
    return value.flatMap((v, i) => undescribed(v, items, `${path}[${i}]`));
  }
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([k, v]) => {
    const found = nodes.flatMap((n) => childrenAt(n, k));
    return found.length === 0 ? [`${path}.${k}`] : undescribed(v, found, `${path}.${k}`);
  });
}

describe("the schema drives the docs", () => {
  it("the README's configuration reference is the one the schema generates (npm run docs)", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    expect(replaceReference(readme, configReference())).toBe(readme);
  });

  it("config/stockfeed.schema.json is the schema the config is validated with (npm run docs)", () => {
    const committed = JSON.parse(readFileSync(join(ROOT, "config/stockfeed.schema.json"), "utf8"));
    expect(committed).toEqual(configJsonSchema());
  });

  it("stockfeed schema prints that JSON Schema", () => {
    const r = stockfeed("schema");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(configJsonSchema());
  });

  it("the demo config names the schema for editors and uses no key it does not describe", () => {
    const text = readFileSync(join(ROOT, "config/demo.yaml"), "utf8");
    expect(text.split("\n")[0]).toBe("# yaml-language-server: $schema=./stockfeed.schema.json");
    const schema = configJsonSchema() as Node;
    expect(undescribed(parse(text), [schema], "")).toEqual([]);
    expect(undescribed({ merchants: [{ nonsense: 1 }] }, [schema], "")).toEqual([".merchants[0].nonsense"]);
  });

  it("every key of the reference has a description", () => {
    const blank = configReference()
      .split("\n")
      .filter((l) => l.startsWith("| `") && l.endsWith("|  |"));
    expect(blank).toEqual([]);
  });
});
