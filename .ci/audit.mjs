// npm audit --omit=dev: fails CI on a high or critical advisory in a production dependency.
// When the registry's audit endpoint cannot answer (some mirrors refuse it), that is said
// plainly and the known-advisory floors below are checked instead, so a vulnerable
// version still fails.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

/** Versions below these have known advisories we must not ship (basic-ftp: path traversal and CRLF fixes in 6.2.3). */
const FLOORS = { "basic-ftp": "6.2.3" };

const newer = (a, b) => {
  const [x, y] = [a, b].map((v) => v.split(/[.-]/).map((n) => parseInt(n, 10) || 0));
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] > y[i];
  return true;
};
let failed = false;
for (const [name, floor] of Object.entries(FLOORS)) {
  const { version } = JSON.parse(
    readFileSync(new URL(`../node_modules/${name}/package.json`, import.meta.url), "utf8"),
  );
  const ok = newer(version, floor);
  console.log(`${name} ${version} ${ok ? ">=" : "<"} ${floor}`);
  failed ||= !ok;
}

let report;
try {
  report = JSON.parse(
    execFileSync("npm", ["audit", "--omit=dev", "--json"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }),
  );
} catch (e) {
  report = JSON.parse(e.stdout || "{}");
}
const counts = report.metadata?.vulnerabilities;
if (counts) {
  console.log(`npm audit --omit=dev: ${JSON.stringify(counts)}`);
  if ((counts.high ?? 0) + (counts.critical ?? 0) > 0) {
    for (const [name, v] of Object.entries(report.vulnerabilities ?? {}))
      if (v.severity === "high" || v.severity === "critical") console.log(`  ${v.severity}: ${name} ${v.range}`);
    failed = true;
  }
} else {
  console.log(
    `npm audit could not ask the registry (${report.message ?? report.error?.summary ?? "no answer"}); only the version floors above were checked`,
  );
}
process.exit(failed ? 1 : 0);
