/**
 * The mapping language, compiled once per mapping file (every problem at once, with its line):
 * input mappings in input.ts (fields, the per-row apply), output mappings in output.ts, the
 * field types' converters in converters.ts, what both kinds of file share in common.ts.
 */
export { compileInputMapping, type InputMapping } from "./input.js";
export { compileOutputMapping, type OutputMapping } from "./output.js";
