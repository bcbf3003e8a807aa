import { resolve } from "node:path";
import type { DestinationConfig } from "../transports/index.js";

/**
 * Two writers whose destinations are one folder and whose file-name patterns can produce
 * the same name would overwrite (or refuse) each other's files: a configuration error.
 * Each pattern is read with the values it fixes ({merchant}, {cart} of a cart's own file)
 * put in, and the values that vary ({seq}, {timestamp}, {control}) as what they can be; two
 * patterns collide when a name one can produce is one the other can produce. The names
 * tried cover every way the variable parts can line up (short and long counters, a counter
 * beside a literal digit), so a collision is found, not guessed.
 */
export interface Writer {
  /** where in the config (e.g. merchants, 0, carts, 1, output) */
  at: Array<string | number>;
  /** what it is, for the message (e.g. "cart shop's output") */
  name: string;
  destination: DestinationConfig;
  filename: string;
  /** placeholder values fixed for this writer */
  fixed: Record<string, string>;
  /**
   * names unique across writers of this kind by construction (acks naming both parties and the control number, which is
   * per pair)
   */
  uniqueAmong?: string;
}

/** What each varying placeholder can be: its pattern and sample values. */
const VARYING: Record<string, { re: string; samples: string[] }> = {
  timestamp: { re: "\\d{8}T\\d{6}Z", samples: ["20261123T080000Z"] },
  control: { re: "\\d{9}", samples: ["000000001", "100000000"] },
  seq: { re: "\\d+", samples: ["1", "10", "11", "100", "0001"] },
  any: { re: ".+", samples: ["x", "1"] },
};

function folderKey(d: DestinationConfig, base: string): string {
  const server = "host" in d ? `${d.user}@${d.host}:${d.port ?? ""}` : "";
  const dir = d.transport === "local" ? resolve(base, d.dir) : d.dir.replace(/\/+$/, "");
  return `${d.transport}:${server}:${dir}`;
}

type Part = { literal: string } | { vary: keyof typeof VARYING; width?: number };

function parts(w: Writer): Part[] {
  const out: Part[] = [];
  let last = 0;
  for (const m of w.filename.matchAll(/\{([a-z]+)(?::(\d+))?\}/g)) {
    out.push({ literal: w.filename.slice(last, m.index) });
    const [, key, width] = m;
    if (Object.hasOwn(w.fixed, key)) out.push({ literal: w.fixed[key] });
    else if (key === "seq") out.push({ vary: "seq", width: width ? Number(width) : undefined });
    else out.push({ vary: Object.hasOwn(VARYING, key) ? (key as keyof typeof VARYING) : "any" });
    last = m.index + m[0].length;
  }
  out.push({ literal: w.filename.slice(last) });
  return out;
}

const escape = (t: string) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function regexOf(ps: Part[]): RegExp {
  const src = ps.map((p) => {
    if ("literal" in p) return escape(p.literal);
    if (p.vary === "seq" && p.width) return `\\d{${p.width},}`;
    return VARYING[p.vary].re;
  });
  return new RegExp(`^${src.join("")}$`);
}

/** Names the pattern can produce: every combination of its variable parts' samples. */
function samples(ps: Part[]): string[] {
  let names = [""];
  for (const p of ps) {
    if ("literal" in p) {
      names = names.map((n) => n + p.literal);
      continue;
    }
    const values = VARYING[p.vary].samples.map((v) => (p.width ? v.padStart(p.width, "0") : v));
    names = names.flatMap((n) => values.map((v) => n + v)).slice(0, 500);
  }
  return names;
}

function collide(a: Part[], b: Part[]): string | undefined {
  const [ra, rb] = [regexOf(a), regexOf(b)];
  return samples(a).find((n) => rb.test(n)) ?? samples(b).find((n) => ra.test(n));
}

/** Every pair of writers that can write the same name into one folder, as problems. */
export function destinationCollisions(writers: Writer[], base: string): Array<{ at: Writer["at"]; problem: string }> {
  const byFolder = new Map<string, Array<{ w: Writer; ps: Part[] }>>();
  for (const w of writers) {
    const key = folderKey(w.destination, base);
    const list = byFolder.get(key) ?? [];
    list.push({ w, ps: parts(w) });
    byFolder.set(key, list);
  }
  const problems: Array<{ at: Writer["at"]; problem: string }> = [];
  for (const list of byFolder.values()) {
    for (let i = 1; i < list.length; i++) {
      for (let j = 0; j < i; j++) {
        const kind = list[i].w.uniqueAmong;
        if (kind !== undefined && kind === list[j].w.uniqueAmong) continue;
        const name = collide(list[i].ps, list[j].ps);
        if (name === undefined) continue;
        problems.push({
          at: list[i].w.at,
          problem:
            `${list[i].w.name} writes into the same folder as ${list[j].w.name} with a file name that can be the same ` +
            `(both can write ${JSON.stringify(name)}): one would overwrite or block the other's file; ` +
            `give each its own folder or a name with its own literal part (e.g. {cart})`,
        });
        break;
      }
    }
  }
  return problems;
}
