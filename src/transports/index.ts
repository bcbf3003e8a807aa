import { z } from "zod";
import { ftpTransport } from "./ftp.js";
import { localTransport } from "./local.js";
import { sftpTransport } from "./sftp.js";
import type { DestinationTransport, SourceTransport, TransportDefinition, TransportRuntime } from "./types.js";

/** Every transport by the name configs use. Adding one: a file, its entry here, a test, a sample. */
const registry = [localTransport, ftpTransport, sftpTransport] as const;

export const transports: Record<string, TransportDefinition> = Object.fromEntries(
  registry.map((t) => [t.name, t as unknown as TransportDefinition]),
);

/** `{ transport: ..., ...options }` for a place files are taken from */
export const sourceSchema = z.discriminatedUnion(
  "transport",
  registry.map((t) => t.sourceSchema) as unknown as [(typeof registry)[number]["sourceSchema"]],
);
/** `{ transport: ..., ...options }` for a place files are delivered to */
export const destinationSchema = z.discriminatedUnion(
  "transport",
  registry.map((t) => t.destinationSchema) as unknown as [(typeof registry)[number]["destinationSchema"]],
);

export type SourceConfig = z.output<typeof sourceSchema>;
export type DestinationConfig = z.output<typeof destinationSchema>;

export function createSource(config: SourceConfig, runtime: TransportRuntime): SourceTransport {
  return transports[config.transport].createSource(config, runtime);
}
export function createDestination(config: DestinationConfig, runtime: TransportRuntime): DestinationTransport {
  return transports[config.transport].createDestination(config, runtime);
}

export { Connections } from "./connections.js";
export { deliverFile, type Delivered } from "./deliver.js";
export { completeFiles, archivePathFor, doneFileFor, type ListingMemory } from "./incoming.js";
export type { DestinationTransport, ListedFile, SourceTransport, TransportRuntime } from "./types.js";
