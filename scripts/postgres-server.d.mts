/** The folder of initdb and pg_ctl: STOCKFEED_PG_BIN, Debian's newest, or PATH; undefined where none. */
export function findPostgres(): string | undefined;
export function startPostgres(opts?: {
  fast?: boolean;
}): Promise<{ url: string; password: string; dir: string; port: number; bin: string }>;
export function stopPostgres(dir: string): void;
