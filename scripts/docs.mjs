// Regenerates what the configuration schema documents: config/stockfeed.schema.json (for editors) and the
// README's configuration reference between its markers. `npm run docs`; test/docs.test.ts fails when stale.
import { readFileSync, writeFileSync } from "node:fs";
import { configJsonSchema, configReference, replaceReference } from "../dist/config/json-schema.js";

const root = new URL("../", import.meta.url);
const schemaFile = new URL("config/stockfeed.schema.json", root);
const readme = new URL("README.md", root);
writeFileSync(schemaFile, `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
writeFileSync(readme, replaceReference(readFileSync(readme, "utf8"), configReference()));
console.log("wrote config/stockfeed.schema.json and the README's configuration reference");
