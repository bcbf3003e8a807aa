import { TransferError } from "../errors.js";

/** The value of the environment variable a config names for a secret; never logged, never stored. */
export function readSecret(envName: string): string {
  const value = process.env[envName];
  if (value === undefined || value === "")
    throw new TransferError(`environment variable ${envName} is not set (it holds the secret the config names)`, false);
  return value;
}

/** Replaces the secret's value wherever it appears in a text that may be logged (a server echoing it back...). */
export function redactor(...envNames: Array<string | undefined>): (text: string) => string {
  const secrets = () =>
    envNames.flatMap((n) => (n && process.env[n] && process.env[n]!.length >= 3 ? [process.env[n]!] : []));
  return (text) => secrets().reduce((t, s) => t.split(s).join("***"), text);
}
