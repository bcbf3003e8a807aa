// Runs the real CLI in this process and reports its peak RSS on stderr's last line.
import { main } from "../dist/cli/main.js";

const code = await main(process.argv.slice(2), {
  out: (t) => process.stdout.write(t.endsWith("\n") ? t : `${t}\n`),
  err: (t) => process.stderr.write(t.endsWith("\n") ? t : `${t}\n`),
});
process.stderr.write(`\n${JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS })}\n`);
process.exit(code);
