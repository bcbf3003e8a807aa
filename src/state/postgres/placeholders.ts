/**
 * The shared statements' placeholders in PostgreSQL's form: `?` becomes `$1`, `$2`... in order
 * and `@name` becomes one `$n` per name. Quoted strings, quoted identifiers and comments are
 * left as they are, so a `?` or `@` inside them is text, not a parameter.
 */
export interface Translated {
  readonly text: string;
  /** for named statements: the name behind each `$n`, in order */
  readonly names: readonly string[];
  /** for positional statements: how many `?` there were */
  readonly positional: number;
}

export function translatePlaceholders(sql: string): Translated {
  let out = "";
  let positional = 0;
  const names: string[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    const skip = skipQuoted(sql, i);
    if (skip > i) {
      out += sql.slice(i, skip);
      i = skip;
    } else if (c === "?") {
      out += `$${++positional}`;
      i++;
    } else if (c === "@" && /[A-Za-z_]/.test(sql[i + 1] ?? "") && !/[\w$]/.test(sql[i - 1] ?? "")) {
      const name = /^[A-Za-z_]\w*/.exec(sql.slice(i + 1))![0];
      let n = names.indexOf(name);
      if (n < 0) n = names.push(name) - 1;
      out += `$${n + 1}`;
      i += 1 + name.length;
    } else {
      out += c;
      i++;
    }
  }
  if (positional > 0 && names.length > 0) throw new Error(`a statement mixes ? and @name placeholders: ${sql}`);
  return { text: out, names, positional };
}

/** the index after a quoted string, quoted identifier or comment starting at `i`; `i` when none starts there */
function skipQuoted(sql: string, i: number): number {
  const c = sql[i];
  if (c === "'" || c === '"') {
    let j = i + 1;
    while (j < sql.length) {
      if (sql[j] === c && sql[j + 1] === c) j += 2;
      else if (sql[j] === c) return j + 1;
      else j++;
    }
    return sql.length;
  }
  if (c === "-" && sql[i + 1] === "-") {
    const end = sql.indexOf("\n", i);
    return end < 0 ? sql.length : end;
  }
  if (c === "/" && sql[i + 1] === "*") {
    const end = sql.indexOf("*/", i + 2);
    return end < 0 ? sql.length : end + 2;
  }
  return i;
}

/** the values for a translated statement, in `$n` order */
export function orderedValues(
  t: Translated,
  params: readonly unknown[] | Readonly<Record<string, unknown>>,
): unknown[] {
  if (Array.isArray(params)) {
    if (params.length !== t.positional) {
      throw new Error(`the statement takes ${t.positional} value(s), ${params.length} given: ${t.text}`);
    }
    return params;
  }
  const named = params as Readonly<Record<string, unknown>>;
  return t.names.map((name) => {
    if (!(name in named)) throw new Error(`no value for @${name}: ${t.text}`);
    return named[name];
  });
}
