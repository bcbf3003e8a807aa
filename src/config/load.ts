import { dirname, isAbsolute, resolve } from "node:path";
import { Cron } from "croner";
import { ConfigError, UsageError } from "../errors.js";
import {
  compileInputMapping,
  compileOutputMapping,
  type InputMapping,
  type OutputMapping,
} from "../mapping/compile.js";
import type { InputKind } from "../mapping/kinds.js";
import { formats } from "../formats/index.js";
import { parseIso } from "../util/time.js";
import { describeTarget, isPostgresUrl, type StateTarget } from "../state/target.js";
import { stateTarget } from "./state.js";
import {
  configSchema,
  envelopeSettingsOf,
  type CartConfig,
  type Config,
  type FeedConfig,
  type MerchantConfig,
  type WarehouseConfig,
} from "./schema.js";
import { destinationCollisions, type Writer } from "./destinations.js";
import { mappingProblems } from "./named-mappings.js";
import { parseWith, problemAt, readYaml, type LocatedYaml } from "./yaml.js";

/** A feed with its mapping compiled. */
export interface Feed<K extends InputKind = InputKind> {
  config: FeedConfig;
  mapping: InputMapping<K>;
  /** a stable name for the ledger: merchant/kind/owner */
  sourceKey: string;
  /** inventory feeds: rule 14's bounds on the as-of of a line */
  asOfBounds?: AsOfBounds;
}

export interface AsOfBounds {
  clockSkewSeconds: number;
  /** epoch ms */
  oldest: number;
}

export interface LoadedCart {
  merchant: string;
  config: CartConfig;
  orders?: Feed<"orders">;
  catalog?: Feed<"catalog">;
  output: OutputMapping;
  /** null = all of the merchant's warehouses */
  warehouse: string | null;
  /** rule 4: forced on when the output format demands a file every run */
  sendAll: boolean;
  /** the warehouses the cart draws from, in config order (rule 6): the first with a product's details gives them */
  warehouseIds: string[];
  /**
   * the warehouse that receives this cart's products (productSync.inventoryLocation, or the only one with
   * productOutput)
   */
  productLocation: string | null;
}

export interface LoadedWarehouse {
  merchant: string;
  config: WarehouseConfig;
  inventory: Feed<"inventory">;
  /** the WMS's product master */
  products?: Feed<"catalog">;
  /** product files for this WMS */
  productOutput?: { mapping: OutputMapping; config: NonNullable<WarehouseConfig["productOutput"]> };
}

export interface LoadedMerchant {
  config: MerchantConfig;
  aliases?: Feed<"aliases">;
  warehouses: LoadedWarehouse[];
  carts: LoadedCart[];
}

export interface LoadedConfig {
  file: string;
  /** the files it was built from: the config file and every mapping it names */
  readFrom: string[];
  raw: Config;
  /** where the state is (a SQLite file or a PostgreSQL database) */
  state: StateTarget;
  /** the SQLite file, or for PostgreSQL the URL without its password (what messages name) */
  statePath: string;
  workDir: string;
  merchants: LoadedMerchant[];
}

/** The formats whose feeds can be acknowledged, by name: "X12". */
const ACKNOWLEDGING = Object.values(formats)
  .filter((f) => f.acknowledge)
  .map((f) => f.name.toUpperCase())
  .join(" or ");

/**
 * A cart's output and its partner's envelope agree: a format that needs one has it (and its
 * own checks pass), a format that has none is not given one. Paths are under `output:`.
 */
function envelopeProblems(k: CartConfig, output: OutputMapping): Array<{ at: string[]; message: string }> {
  const format = output.format;
  const needs = format.envelope;
  const given = Object.values(formats).flatMap((f) =>
    f.envelope && envelopeSettingsOf(k.output, f.envelope.key) ? [f.envelope.key] : [],
  );
  const out = given
    .filter((key) => key !== needs?.key)
    .map((key) => ({
      at: [key],
      message: `output.${key} is for ${key.toUpperCase()} outputs; this mapping writes ${format.name}`,
    }));
  if (!needs) return out;
  const settings = envelopeSettingsOf(k.output, needs.key);
  if (!settings) {
    const what = `an ${format.name.toUpperCase()} output needs the partner's envelope under output.${needs.key} (sender, receiver...)`;
    return [...out, { at: [], message: what }];
  }
  return [...out, ...needs.problems(settings, output.columns, k.alias)];
}

function duplicates<T>(items: T[], key: (t: T) => string): number[] {
  const seen = new Set<string>();
  const out: number[] = [];
  items.forEach((t, i) => {
    const k = key(t);
    if (seen.has(k)) out.push(i);
    seen.add(k);
  });
  return out;
}

/**
 * Options of a transport that name files on this machine (a local folder, a CA, a key, known_hosts); a server's dir is
 * the server's business.
 */
const LOCAL_FILE_OPTIONS = ["caPath", "knownHosts", "privateKeyPath"] as const;

function resolveTransportPaths<T extends { transport: string; dir: string }>(t: T, abs: (p: string) => string): T {
  const out: Record<string, unknown> = { ...t };
  if (t.transport === "local") out.dir = abs(t.dir);
  for (const k of LOCAL_FILE_OPTIONS) if (typeof out[k] === "string") out[k] = abs(out[k] as string);
  return out as T;
}

function resolvePaths(c: Config, base: string): Config {
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  const feed = <F extends FeedConfig>(f: F | undefined): F | undefined =>
    f
      ? {
          ...f,
          mapping: abs(f.mapping),
          source: resolveTransportPaths(f.source, abs),
          ack: f.ack ? { ...f.ack, destination: resolveTransportPaths(f.ack.destination, abs) } : undefined,
        }
      : undefined;
  return {
    ...c,
    state: c.state && !isPostgresUrl(c.state) ? abs(c.state) : c.state,
    workDir: abs(c.workDir),
    merchants: c.merchants.map((m) => ({
      ...m,
      aliases: feed(m.aliases),
      warehouses: m.warehouses.map((w) => ({
        ...w,
        inventory: feed(w.inventory)!,
        products: feed(w.products),
        productOutput: w.productOutput
          ? {
              ...w.productOutput,
              mapping: abs(w.productOutput.mapping),
              destination: resolveTransportPaths(w.productOutput.destination, abs),
            }
          : undefined,
      })),
      carts: m.carts.map((k) => ({
        ...k,
        orders: feed(k.orders),
        catalog: feed(k.catalog),
        output: {
          ...k.output,
          mapping: abs(k.output.mapping),
          destination: resolveTransportPaths(k.output.destination, abs),
        },
      })),
    })),
  };
}

/** An output file name: known placeholders ({seq} and {seq:N} always), and a name, not a path. */
function fileNameProblems(
  y: LocatedYaml,
  at: (string | number)[],
  name: string,
  placeholders: string[],
  problems: string[],
): void {
  const known = new RegExp(`^(${placeholders.join("|")}|seq(:\\d+)?)$`);
  const unknown = [...name.matchAll(/\{([^}]*)\}/g)].map((x) => x[1]).filter((x) => !known.test(x));
  if (unknown.length)
    problems.push(
      problemAt(
        y,
        at,
        `unknown placeholder(s) ${unknown.map((u) => `{${u}}`).join(", ")} (known: ${placeholders.map((k) => `{${k}}`).join(" ")} {seq} {seq:N})`,
      ),
    );
  if (/[/\\]/.test(name) || name.startsWith("."))
    problems.push(
      problemAt(
        y,
        at,
        "a file name, not a path: no / or \\, and not starting with a dot (dot files are temporary names)",
      ),
    );
}

/** Every place stockfeed writes files: cart outputs, WMS product files, 997 acknowledgments. */
function writers(c: Config): Writer[] {
  const out: Writer[] = [];
  const acks = (at: Writer["at"], f: FeedConfig | undefined, merchant: string, sourceKey: string) => {
    if (!f?.ack) return;
    const fixed = { merchant, source: sourceKey.replace(/\//g, "-") };
    const name = f.ack.filename;
    const unique = ["{sender}", "{receiver}", "{control}"].every((p) => name.includes(p)) ? "ack" : undefined;
    out.push({
      at: [...at, "ack"],
      name: `the 997s of ${sourceKey}`,
      destination: f.ack.destination,
      filename: name,
      fixed,
      uniqueAmong: unique,
    });
  };
  c.merchants.forEach((m, mi) => {
    const base = ["merchants", mi];
    acks([...base, "aliases"], m.aliases, m.id, `${m.id}/aliases`);
    m.warehouses.forEach((w, wi) => {
      const at = [...base, "warehouses", wi];
      acks([...at, "inventory"], w.inventory, m.id, `${m.id}/warehouse/${w.id}`);
      acks([...at, "products"], w.products, m.id, `${m.id}/products/${w.id}`);
      const o = w.productOutput;
      if (o) {
        const fixed = { merchant: m.id, warehouse: w.id };
        out.push({
          at: [...at, "productOutput"],
          name: `warehouse ${w.id}'s product files`,
          destination: o.destination,
          filename: o.filename,
          fixed,
        });
      }
    });
    m.carts.forEach((k, ki) => {
      const at = [...base, "carts", ki];
      acks([...at, "orders"], k.orders, m.id, `${m.id}/orders/${k.id}`);
      acks([...at, "catalog"], k.catalog, m.id, `${m.id}/catalog/${k.id}`);
      const fixed = { merchant: m.id, cart: k.id };
      out.push({
        at: [...at, "output"],
        name: `cart ${m.id}/${k.id}'s output`,
        destination: k.output.destination,
        filename: k.output.filename,
        fixed,
      });
    });
  });
  return out;
}

/** An ack file name: known placeholders, a name not a path, and one per partner and interchange. */
function ackNameProblems(y: LocatedYaml, at: (string | number)[], name: string, problems: string[]): void {
  fileNameProblems(y, at, name, ["merchant", "source", "sender", "receiver", "control", "timestamp"], problems);
  const missing = ["{receiver}", "{control}"].filter((p) => !name.includes(p));
  if (missing.length) {
    problems.push(
      problemAt(
        y,
        at,
        `needs ${missing.join(" and ")}: acknowledgments to several partners (each with its own control numbers) would share a name`,
      ),
    );
  }
}

function crossChecks(y: LocatedYaml, c: Config): string[] {
  const problems: string[] = [];
  for (const x of destinationCollisions(writers(c), dirname(y.file))) problems.push(problemAt(y, x.at, x.problem));
  for (const i of duplicates(c.merchants, (m) => m.id))
    problems.push(
      problemAt(y, ["merchants", i, "id"], `merchant id ${JSON.stringify(c.merchants[i].id)} is used twice`),
    );
  const sources = new Map<string, string>();
  const claimSource = (path: (string | number)[], f: FeedConfig | undefined) => {
    if (!f) return;
    const server = "host" in f.source ? `${f.source.user}@${f.source.host}:${f.source.port ?? ""}` : "";
    const dir = f.source.transport === "local" ? resolve(dirname(y.file), f.source.dir) : f.source.dir;
    const key = `${f.source.transport}:${server}:${dir}:${f.source.match}`;
    const other = sources.get(key);
    if (other)
      problems.push(
        problemAt(
          y,
          [...path, "source"],
          `the same folder and match as ${other}: each file would go to only one of them`,
        ),
      );
    else sources.set(key, path.join("."));
    if (f.ack) ackNameProblems(y, [...path, "ack", "filename"], f.ack.filename, problems);
  };
  c.merchants.forEach((m, mi) => {
    const base: (string | number)[] = ["merchants", mi];
    for (const i of duplicates(m.warehouses, (w) => w.id))
      problems.push(
        problemAt(
          y,
          [...base, "warehouses", i, "id"],
          `warehouse id ${JSON.stringify(m.warehouses[i].id)} is used twice in merchant ${m.id}`,
        ),
      );
    for (const i of duplicates(m.carts, (k) => k.id))
      problems.push(
        problemAt(
          y,
          [...base, "carts", i, "id"],
          `cart id ${JSON.stringify(m.carts[i].id)} is used twice in merchant ${m.id}`,
        ),
      );
    claimSource([...base, "aliases"], m.aliases);
    m.warehouses.forEach((w, wi) => {
      claimSource([...base, "warehouses", wi, "inventory"], w.inventory);
      claimSource([...base, "warehouses", wi, "products"], w.products);
      if (w.productOutput)
        fileNameProblems(
          y,
          [...base, "warehouses", wi, "productOutput", "filename"],
          w.productOutput.filename,
          ["merchant", "cart", "warehouse", "timestamp"],
          problems,
        );
    });
    // seeds/product-sync.txt: product sync can only be active for one cart at a time
    const syncing = m.carts.map((k, ki) => ({ k, ki })).filter(({ k }) => k.productSync?.enabled);
    for (const { k, ki } of syncing.slice(1))
      problems.push(
        problemAt(
          y,
          [...base, "carts", ki, "productSync", "enabled"],
          `product sync is already enabled for cart ${syncing[0].k.id} of merchant ${m.id}; only one cart per merchant may have it (disable it in ${syncing[0].k.id} or in ${k.id})`,
        ),
      );
    m.carts.forEach((k, ki) => {
      const p = [...base, "carts", ki, "productSync"];
      const loc = k.productSync?.inventoryLocation;
      const withOutput = m.warehouses.filter((w) => w.productOutput);
      if (loc !== undefined && !m.warehouses.some((w) => w.id === loc))
        problems.push(
          problemAt(
            y,
            [...p, "inventoryLocation"],
            `no warehouse ${JSON.stringify(loc)} in merchant ${m.id} (warehouses: ${m.warehouses.map((w) => w.id).join(", ")})`,
          ),
        );
      else if (loc !== undefined && !withOutput.some((w) => w.id === loc))
        problems.push(
          problemAt(
            y,
            [...p, "inventoryLocation"],
            `warehouse ${loc} has no productOutput: say where its product files go`,
          ),
        );
      if (!k.productSync?.enabled) return;
      if (!k.catalog)
        problems.push(
          problemAt(y, [...p, "enabled"], `product sync reads the cart's catalog: cart ${k.id} has no catalog feed`),
        );
      if (loc === undefined && withOutput.length !== 1)
        problems.push(
          problemAt(
            y,
            p,
            withOutput.length === 0
              ? `no warehouse of merchant ${m.id} has a productOutput: product sync has nowhere to send products`
              : `several warehouses have a productOutput (${withOutput.map((w) => w.id).join(", ")}): choose one with inventoryLocation`,
          ),
        );
    });
    m.carts.forEach((k, ki) => {
      const p = [...base, "carts", ki];
      if (k.warehouse !== "all" && !m.warehouses.some((w) => w.id === k.warehouse))
        problems.push(
          problemAt(
            y,
            [...p, "warehouse"],
            `no warehouse ${JSON.stringify(k.warehouse)} in merchant ${m.id} (warehouses: ${m.warehouses.map((w) => w.id).join(", ")}, or all)`,
          ),
        );
      if (k.alias && !m.aliases)
        problems.push(
          problemAt(
            y,
            [...p, "alias"],
            `the cart pushes by alias ${JSON.stringify(k.alias)} but merchant ${m.id} has no aliases source`,
          ),
        );
      let zoneOk = true;
      try {
        new Intl.DateTimeFormat("en-US", { timeZone: k.timeZone });
      } catch {
        zoneOk = false;
        problems.push(
          problemAt(
            y,
            [...p, "timeZone"],
            `unknown time zone ${JSON.stringify(k.timeZone)}: use an IANA name such as UTC, Europe/Berlin or America/New_York`,
          ),
        );
      }
      try {
        new Cron(k.schedule, { paused: true, ...(zoneOk ? { timezone: k.timeZone } : {}) }).nextRun();
      } catch (e) {
        problems.push(problemAt(y, [...p, "schedule"], `not a valid cron schedule: ${(e as Error).message}`));
      }
      if (k.output.format !== undefined && !formats[k.output.format])
        problems.push(problemAt(y, [...p, "output", "format"], `unknown format ${JSON.stringify(k.output.format)}`));
      fileNameProblems(y, [...p, "output", "filename"], k.output.filename, ["merchant", "cart", "timestamp"], problems);
      claimSource([...p, "orders"], k.orders);
      claimSource([...p, "catalog"], k.catalog);
    });
  });
  return problems;
}

/**
 * Reads, validates and compiles the whole configuration, mappings included, before
 * anything moves. Every problem is collected and reported at once with file and line.
 */
export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const path = resolve(file);
  const y = readYaml(path);
  let parsed: Config;
  try {
    parsed = parseWith(y, configSchema);
  } catch (e) {
    // the mappings' problems come in the same answer as the config's, not in a second round
    if (e instanceof ConfigError)
      throw new ConfigError(e.message, [...e.problems, ...mappingProblems(y, dirname(path))]);
    throw e;
  }
  const problems = crossChecks(y, parsed);
  const c = resolvePaths(parsed, dirname(path));
  const state = stateTarget(y, c, env, problems);

  const compiled = new Map<string, unknown>();
  const readFrom = new Set<string>([path]);
  const tryCompile = <T>(at: (string | number)[], file: string, kind: string, build: () => T): T | undefined => {
    readFrom.add(file);
    const key = `${file}#${kind}`;
    if (compiled.has(key)) return compiled.get(key) as T;
    try {
      const m = build();
      compiled.set(key, m);
      return m;
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      problems.push(
        problemAt(y, at, `mapping ${kind === "cart-inventory" ? file : key} is invalid:`),
        ...e.problems.map((p) => `  ${p}`),
      );
      return undefined;
    }
  };
  const feed = <K extends InputKind>(
    at: (string | number)[],
    f: FeedConfig | undefined,
    kind: K,
    sourceKey: string,
  ): Feed<K> | undefined => {
    if (!f) return undefined;
    const mapping = tryCompile([...at, "mapping"], f.mapping, kind, () => compileInputMapping(f.mapping, kind));
    if (mapping && f.ack && !mapping.format.acknowledge)
      problems.push(
        problemAt(
          y,
          [...at, "ack"],
          `acknowledgments are for ${ACKNOWLEDGING} feeds; this mapping reads ${mapping.format.name}`,
        ),
      );
    return mapping ? { config: f, mapping, sourceKey } : undefined;
  };

  const merchants: LoadedMerchant[] = c.merchants.map((m, mi) => {
    const base = ["merchants", mi];
    const warehouses = m.warehouses.map((w, wi) => {
      const at = [...base, "warehouses", wi];
      const out = w.productOutput;
      const productMapping = out
        ? tryCompile([...at, "productOutput", "mapping"], out.mapping, "products", () =>
            compileOutputMapping(out.mapping, "products"),
          )
        : undefined;
      return {
        merchant: m.id,
        config: w,
        inventory: {
          ...feed([...at, "inventory"], w.inventory, "inventory", `${m.id}/warehouse/${w.id}`)!,
          asOfBounds: asOfBounds(w),
        },
        products: feed([...at, "products"], w.products, "catalog", `${m.id}/products/${w.id}`),
        productOutput: out && productMapping ? { mapping: productMapping, config: out } : undefined,
      };
    });
    const carts = m.carts.map((k, ki) => {
      const at = [...base, "carts", ki];
      const output = tryCompile([...at, "output", "mapping"], k.output.mapping, "cart-inventory", () =>
        compileOutputMapping(k.output.mapping, "cart-inventory"),
      )!;
      if (output && k.output.format && k.output.format !== output.format.name)
        problems.push(
          problemAt(
            y,
            [...at, "output", "format"],
            `format ${k.output.format} disagrees with its mapping's format ${output.format.name}`,
          ),
        );
      const format = output?.format.name ?? k.output.format ?? "csv";
      if (output)
        for (const p of envelopeProblems(k, output)) problems.push(problemAt(y, [...at, "output", ...p.at], p.message));
      return {
        merchant: m.id,
        config: k,
        orders: feed([...at, "orders"], k.orders, "orders", `${m.id}/orders/${k.id}`),
        catalog: feed([...at, "catalog"], k.catalog, "catalog", `${m.id}/catalog/${k.id}`),
        output,
        warehouse: k.warehouse === "all" ? null : k.warehouse,
        sendAll: k.sendAll || !!formats[format]?.fullFileEveryRun,
        warehouseIds: k.warehouse === "all" ? m.warehouses.map((w) => w.id) : [k.warehouse],
        productLocation:
          k.productSync?.inventoryLocation ??
          (m.warehouses.filter((w) => w.productOutput).length === 1
            ? m.warehouses.find((w) => w.productOutput)!.id
            : null),
      };
    });
    return {
      config: m,
      aliases: feed([...base, "aliases"], m.aliases, "aliases", `${m.id}/aliases`),
      warehouses,
      carts,
    };
  });

  if (problems.length > 0)
    throw new ConfigError(`${path}: ${problems.length} problem(s) in the configuration`, problems);
  const statePath = describeTarget(state!);
  return { file: path, readFrom: [...readFrom], raw: c, state: state!, statePath, workDir: c.workDir, merchants };
}

function asOfBounds(w: WarehouseConfig): AsOfBounds {
  const oldest = parseIso(w.inventory.oldestAsOf, undefined);
  return { clockSkewSeconds: w.inventory.clockSkewSeconds, oldest: oldest.ok ? oldest.value : 0 };
}

/** The one cart of that id (in that merchant, when several merchants have one), or a usage error. */
export function findCart(config: LoadedConfig, cartId: string, merchant?: string): LoadedCart {
  const carts = config.merchants.flatMap((m) =>
    m.carts.filter((k) => k.config.id === cartId && (!merchant || m.config.id === merchant)),
  );
  if (carts.length === 0)
    throw new UsageError(
      `no cart ${JSON.stringify(cartId)}${merchant ? ` in merchant ${merchant}` : ""} in ${config.file}`,
    );
  if (carts.length > 1)
    throw new UsageError(
      `cart ${cartId} exists in several merchants (${carts.map((c) => c.merchant).join(", ")}): add --merchant`,
    );
  return carts[0];
}
