import { createHash, createHmac } from "node:crypto";
import { readFileSync } from "node:fs";

/** OpenSSH's fingerprint of a public key blob: `SHA256:` + unpadded base64 of its SHA-256. */
export function fingerprintOf(keyBlob: Buffer): string {
  return `SHA256:${createHash("sha256").update(keyBlob).digest("base64").replace(/=+$/, "")}`;
}

/** The key type named at the start of an SSH public key blob (ssh-ed25519, ecdsa-sha2-nistp256, ssh-rsa...). */
export function keyTypeOf(keyBlob: Buffer): string {
  if (keyBlob.length < 4) return "unknown";
  const n = keyBlob.readUInt32BE(0);
  return n > 0 && n < 64 && keyBlob.length >= 4 + n ? keyBlob.toString("latin1", 4, 4 + n) : "unknown";
}

/** The name a known_hosts line uses for a host: `host`, or `[host]:port` off port 22. */
function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function hostMatches(pattern: string, name: string): boolean {
  if (pattern.startsWith("|1|")) {
    const [, , salt, hash] = pattern.split("|");
    if (!salt || !hash) return false;
    return createHmac("sha1", Buffer.from(salt, "base64")).update(name).digest("base64") === hash;
  }
  // known_hosts patterns: `*` and `?` are the only wildcards ([ and ] are literal, as in [host]:port)
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
    "i",
  );
  return re.test(name);
}

/**
 * The keys a known_hosts file accepts for host:port, as base64 blobs; `revoked` keys are
 * refused even when listed. Hashed names (|1|salt|hash), `[host]:port`, globs and `!`
 * negations are understood; @cert-authority lines are not used (no certificates).
 */
export function knownHostKeys(
  file: string,
  host: string,
  port: number,
): { accepted: Set<string>; revoked: Set<string> } {
  const name = knownHostsName(host, port);
  const accepted = new Set<string>();
  const revoked = new Set<string>();
  for (const raw of readFileSync(file, "utf8").split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const parts = line.split(/\s+/);
    let marker: string | undefined;
    if (parts[0].startsWith("@")) marker = parts.shift();
    const [hosts, , key] = parts;
    if (!hosts || !key || marker === "@cert-authority") continue;
    const patterns = hosts.split(",");
    if (patterns.some((p) => p.startsWith("!") && hostMatches(p.slice(1), name))) continue;
    if (!patterns.some((p) => !p.startsWith("!") && hostMatches(p, name))) continue;
    (marker === "@revoked" ? revoked : accepted).add(key);
  }
  return { accepted, revoked };
}

export interface HostKeyPin {
  /** `SHA256:...` fingerprints the server may present */
  fingerprints: string[];
  knownHostsPath?: string;
}

/**
 * Checks a server's host key against the pins; returns undefined when accepted, or why
 * it is refused, naming the fingerprint seen so an operator can compare it with the
 * partner's out-of-band word.
 */
export function checkHostKey(pin: HostKeyPin, host: string, port: number, keyBlob: Buffer): string | undefined {
  const seen = fingerprintOf(keyBlob);
  const type = keyTypeOf(keyBlob);
  const b64 = keyBlob.toString("base64");
  if (pin.knownHostsPath) {
    const { accepted, revoked } = knownHostKeys(pin.knownHostsPath, host, port);
    if (revoked.has(b64))
      return `host key of ${host}:${port} (${type} ${seen}) is marked @revoked in ${pin.knownHostsPath}`;
    if (accepted.has(b64)) return undefined;
  }
  if (pin.fingerprints.includes(seen)) return undefined;
  const expected = [
    ...pin.fingerprints,
    ...(pin.knownHostsPath ? [`the keys of ${knownHostsName(host, port)} in ${pin.knownHostsPath}`] : []),
  ].join(", ");
  return `host key of ${host}:${port} is ${type} ${seen}, which is not the pinned key (${expected || "none"}): refusing to connect. If the partner changed its key, check the new fingerprint with them and update hostKey/knownHosts`;
}
