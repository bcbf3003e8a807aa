import type { z } from "zod";

/** A file waiting in a source, as its listing shows it. */
export interface IncomingFile {
  name: string;
  size: number;
  mtimeMs: number;
}

export interface SourceTransport {
  /** e.g. "local:/data/in/*.csv", for messages */
  describe(): string;
  /** complete files waiting to be taken, oldest first */
  list(): Promise<IncomingFile[]>;
  /** claims the file: moves it into the local spool path; afterwards the source no longer offers it */
  take(file: IncomingFile, spoolPath: string): Promise<void>;
  /** a local path to read the file from without taking it (dry runs) */
  peek(file: IncomingFile, scratchPath: string): Promise<string>;
}

export interface DestinationTransport {
  describe(): string;
  /** publishes a finished local file under `name`, atomically: readers see all of it or nothing */
  deliver(localFile: string, name: string): Promise<{ location: string }>;
}

export interface TransportDefinition<S extends z.ZodType = z.ZodType, D extends z.ZodType = z.ZodType> {
  name: string;
  sourceSchema: S;
  destinationSchema: D;
  createSource(config: z.output<S>): SourceTransport;
  createDestination(config: z.output<D>): DestinationTransport;
}
