/**
 * Paths into JSON documents, as mappings write them: keys separated by dots, `[]` for each
 * element of an array (the records), `[*]` for all of them (a list value), `[2]` for one,
 * `["odd key"]` for a key with dots or brackets: `results[].inventory.products[]`,
 * `offerings[0].price.amount`, `property_values[*].property_name`.
 * A column path is read from the record; one starting with `$.` from the document's root,
 * where each `[]` stands for the element the current record is in.
 */
export type Step = { key: string } | { each: true } | { all: true } | { index: number };

export interface JsonPath {
  absolute: boolean;
  steps: Step[];
}

const TOKEN = /\.?([^.[\]"]+)|\[(\*|\d+|"(?:[^"\\]|\\.)*")?\]/y;

export function parseJsonPath(text: string): JsonPath | string {
  let rest = text;
  const absolute = rest === "$" || rest.startsWith("$.") || rest.startsWith("$[");
  if (absolute) rest = rest.slice(1);
  if (rest.startsWith(".")) rest = rest.slice(1);
  const steps: Step[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < rest.length) {
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(rest);
    if (!m || (at === 0 && rest.startsWith(".")))
      return `${JSON.stringify(text)} is not a JSON path (at character ${at + 1}); examples: sku, offerings[0].quantity, tags[*], $.results[].title`;
    if (m[1] !== undefined) steps.push({ key: m[1] });
    else if (m[2] === undefined) steps.push({ each: true });
    else if (m[2] === "*") steps.push({ all: true });
    else if (m[2].startsWith('"')) steps.push({ key: JSON.parse(m[2]) as string });
    else steps.push({ index: Number(m[2]) });
  }
  return { absolute, steps };
}

const sameStep = (a: Step, b: Step) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Checks a column against the record path: an absolute column's `[]` must sit where the
 * record path has one (same keys before it), since it means "the element this record is in".
 */
export function checkAgainstRecord(column: JsonPath, record: JsonPath, text: string): string | undefined {
  if (!column.absolute)
    return column.steps.some((s) => "each" in s)
      ? `${JSON.stringify(text)}: [] (the record's element) only makes sense in a path from the root ($.); use [*] for every element or [0] for one`
      : undefined;
  for (let i = 0; i < column.steps.length; i++) {
    if (!("each" in column.steps[i])) continue;
    if (i >= record.steps.length || !column.steps.slice(0, i + 1).every((s, k) => sameStep(s, record.steps[k])))
      return `${JSON.stringify(text)}: a [] in a path from the root must follow the record path (${formatSteps(record.steps)})`;
  }
  return undefined;
}

export function formatSteps(steps: Step[]): string {
  return steps
    .map((s, i) =>
      "key" in s
        ? /^[^.[\]"]+$/.test(s.key)
          ? `${i ? "." : ""}${s.key}`
          : `[${JSON.stringify(s.key)}]`
        : "each" in s
          ? "[]"
          : "all" in s
            ? "[*]"
            : `[${s.index}]`,
    )
    .join("");
}
