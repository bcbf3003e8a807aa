import { checkConfig } from "../config/check.js";
import { printJson, type Io } from "./output.js";

/** `stockfeed check --config F`: the config and its mappings, every problem at once; writes nothing. Exit 0 or 2. */
export function checkCommand(args: { config: string; json?: boolean }, io: Io): number {
  const r = checkConfig(args.config);
  const c = r.config;
  const counts = c
    ? {
        merchants: c.merchants.length,
        warehouses: c.merchants.reduce((n, m) => n + m.warehouses.length, 0),
        carts: c.merchants.reduce((n, m) => n + m.carts.length, 0),
      }
    : undefined;
  if (args.json) printJson(io, { file: r.file, ok: r.problems.length === 0, problems: r.problems, ...counts });
  else if (r.problems.length === 0) {
    io.out(
      `${r.file}: OK: ${counts!.merchants} merchant(s), ${counts!.warehouses} warehouse(s), ${counts!.carts} cart(s); every mapping compiles`,
    );
  } else {
    io.err(`${r.file}: ${r.problems.filter((p) => !p.startsWith("  ")).length} problem(s):`);
    for (const p of r.problems) io.err(`  ${p}`);
  }
  return r.problems.length === 0 ? 0 : 2;
}
