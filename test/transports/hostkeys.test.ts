import { createHmac, randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkHostKey, fingerprintOf, keyTypeOf } from "../../src/transports/hostkeys.js";
import { doneFileFor, unsafePathReason } from "../../src/transports/incoming.js";
import { sshKeyPair } from "../helpers/servers.js";
import ssh2 from "ssh2";

const blobOf = (priv: string) => {
  const k = ssh2.utils.parseKey(priv);
  if (k instanceof Error) throw k;
  return (Array.isArray(k) ? k[0] : k).getPublicSSH();
};

describe("host key pinning", () => {
  const key = blobOf(sshKeyPair().privateKey);
  const other = blobOf(sshKeyPair().privateKey);
  const file = (text: string) => {
    const p = join(mkdtempSync(join(tmpdir(), "stockfeed-kh-")), "known_hosts");
    writeFileSync(p, text);
    return p;
  };

  it("fingerprints as OpenSSH prints them", () => {
    expect(fingerprintOf(key)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(keyTypeOf(key)).toBe("ssh-ed25519");
  });

  it("accepts a pinned fingerprint (one of several during a rotation), refuses any other naming what it saw", () => {
    expect(checkHostKey({ fingerprints: [fingerprintOf(other), fingerprintOf(key)] }, "h", 22, key)).toBeUndefined();
    expect(checkHostKey({ fingerprints: [fingerprintOf(other)] }, "h", 22, key)).toContain(
      `is ssh-ed25519 ${fingerprintOf(key)}, which is not the pinned key (${fingerprintOf(other)})`,
    );
  });

  it("reads known_hosts: plain and [host]:port names, hashed names, globs, negations and @revoked", () => {
    const b64 = key.toString("base64");
    const salt = randomBytes(20);
    const hashed = `|1|${salt.toString("base64")}|${createHmac("sha1", salt).update("[edi.example]:2222").digest("base64")}`;
    expect(
      checkHostKey(
        { fingerprints: [], knownHostsPath: file(`edi.example ssh-ed25519 ${b64}\n`) },
        "edi.example",
        22,
        key,
      ),
    ).toBeUndefined();
    expect(
      checkHostKey(
        { fingerprints: [], knownHostsPath: file(`edi.example ssh-ed25519 ${b64}\n`) },
        "edi.example",
        2222,
        key,
      ),
    ).toMatch(/not the pinned key/);
    expect(
      checkHostKey(
        { fingerprints: [], knownHostsPath: file(`${hashed} ssh-ed25519 ${b64}\n`) },
        "edi.example",
        2222,
        key,
      ),
    ).toBeUndefined();
    expect(
      checkHostKey(
        { fingerprints: [], knownHostsPath: file(`*.example,!edi.example ssh-ed25519 ${b64}\n`) },
        "edi.example",
        22,
        key,
      ),
    ).toMatch(/not the pinned key/);
    expect(
      checkHostKey(
        { fingerprints: [], knownHostsPath: file(`*.example ssh-ed25519 ${b64}\n`) },
        "edi.example",
        22,
        key,
      ),
    ).toBeUndefined();
    expect(
      checkHostKey(
        { fingerprints: [fingerprintOf(key)], knownHostsPath: file(`@revoked * ssh-ed25519 ${b64}\n`) },
        "edi.example",
        22,
        key,
      ),
    ).toMatch(/marked @revoked/);
  });
});

describe("remote names", () => {
  it("refuses names that could escape the spool or mean something else locally", () => {
    expect(unsafePathReason("inv.csv")).toBeUndefined();
    expect(unsafePathReason("2026/11/inv.csv")).toBeUndefined();
    expect(unsafePathReason("../inv.csv")).toMatch(/'\.\.'/);
    expect(unsafePathReason("a/../../inv.csv")).toMatch(/'\.\.'/);
    expect(unsafePathReason("/etc/passwd")).toMatch(/absolute/);
    expect(unsafePathReason("C:evil.csv")).toMatch(/drive letter/);
    expect(unsafePathReason("a\\b.csv")).toMatch(/backslash/);
    expect(unsafePathReason("a\0.csv")).toMatch(/NUL/);
    expect(unsafePathReason("a\n.csv")).toMatch(/control character/);
  });

  it("names a done file beside its data file from {name} and {base}", () => {
    expect(doneFileFor("{name}.done", "inv.csv")).toBe("inv.csv.done");
    expect(doneFileFor("{base}.ok", "sub/inv.csv")).toBe("sub/inv.ok");
  });
});
