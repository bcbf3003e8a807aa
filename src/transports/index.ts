import { z } from "zod";
import { localTransport } from "./local.js";
import type { DestinationTransport, SourceTransport, TransportDefinition } from "./types.js";

/** Every transport by the name configs use. Adding one: a file, its entry here, a test, a sample. */
const registry = [localTransport] as const;

export const transports: Record<string, TransportDefinition> = Object.fromEntries(registry.map((t) => [t.name, t as unknown as TransportDefinition]));

/** `{ transport: ..., ...options }` for a place files are taken from */
export const sourceSchema = z.discriminatedUnion("transport", registry.map((t) => t.sourceSchema) as unknown as [(typeof registry)[number]["sourceSchema"]]);
/** `{ transport: ..., ...options }` for a place files are delivered to */
export const destinationSchema = z.discriminatedUnion("transport", registry.map((t) => t.destinationSchema) as unknown as [(typeof registry)[number]["destinationSchema"]]);

export type SourceConfig = z.output<typeof sourceSchema>;
export type DestinationConfig = z.output<typeof destinationSchema>;

export function createSource(config: SourceConfig): SourceTransport {
  return transports[config.transport].createSource(config);
}
export function createDestination(config: DestinationConfig): DestinationTransport {
  return transports[config.transport].createDestination(config);
}

export type { DestinationTransport, IncomingFile, SourceTransport } from "./types.js";
