import { resolve } from "node:path";
import { ConfigError } from "../errors.js";
import { loadConfig, type LoadedConfig } from "./load.js";

export interface ConfigCheck {
  file: string;
  problems: string[];
  config?: LoadedConfig;
}

/** `stockfeed check`: every problem of the config and of every mapping it names, in one pass. Reads only. */
export function checkConfig(file: string): ConfigCheck {
  const path = resolve(file);
  try {
    return { file: path, problems: [], config: loadConfig(path) };
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return { file: path, problems: e.problems };
  }
}
