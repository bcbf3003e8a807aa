import type { z } from "zod";
import type { Logger } from "../log.js";
import type { Connections } from "./connections.js";

/** A file as one listing of a source shows it. */
export interface ListedFile {
  /** relative to the source folder, `/`-separated (subfolders when recursive) */
  path: string;
  size: number;
  /**
   * The server's modification time as it reports it (epoch ms, or a stable number derived
   * from its listing text). Only ever compared with another listing of the same server,
   * never with the local clock.
   */
  mtime: number;
  /** listed but not a regular file (a symbolic link): never taken, reported when it matches */
  notRegular?: string;
}

/**
 * The server-side operations a source offers; what to take and when (globs, stable
 * listings, done files, names, exactly-once) is decided once for every transport in
 * incoming.ts.
 */
export interface SourceTransport {
  /** e.g. "sftp://feeds@edi.example.com:22/out/*.x12", for messages; never a secret */
  describe(): string;
  /** every regular file under the folder (and its subfolders when `recursive`), bounded */
  list(): Promise<ListedFile[]>;
  /**
   * copies the file to `localPath`; resolves only once the transfer has ended cleanly and
   * (when given) exactly `expectedSize` bytes arrived: a short transfer is a transient
   * failure, retried like a dropped connection
   */
  download(path: string, localPath: string, expectedSize?: number): Promise<void>;
  /** a local source may claim a file by moving it (afterTake: delete) instead of copying */
  claim?(path: string, localPath: string): Promise<void>;
  /** server-side move, creating the target's folder */
  move(from: string, to: string): Promise<void>;
  remove(path: string): Promise<void>;
}

/** The server-side operations a destination offers; deliver.ts does the publishing protocol over them. */
export interface DestinationTransport {
  describe(): string;
  /** where a delivered name is, for the record: a path or a URL without credentials */
  location(path: string): string;
  /** size of the file at `path` relative to the destination folder; undefined when there is none */
  size(path: string): Promise<number | undefined>;
  upload(localPath: string, path: string): Promise<void>;
  download(path: string, localPath: string): Promise<void>;
  /** renames within the destination; `overwrite`: replace an existing target (atomically where the server can) */
  rename(from: string, to: string, overwrite: boolean): Promise<void>;
  remove(path: string): Promise<void>;
}

/** What transports get from the run: one connection per server, reused and closed at its end. */
export interface TransportRuntime {
  connections: Connections;
  log: Logger;
}

export interface TransportDefinition<S extends z.ZodType = z.ZodType, D extends z.ZodType = z.ZodType> {
  name: string;
  sourceSchema: S;
  destinationSchema: D;
  createSource(config: z.output<S>, runtime: TransportRuntime): SourceTransport;
  createDestination(config: z.output<D>, runtime: TransportRuntime): DestinationTransport;
}
