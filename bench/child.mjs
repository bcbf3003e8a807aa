// Runs the real CLI in this process and reports its peak RSS (and, sampled every 50 ms, the
// peak of V8's heap) on stderr's last line.
import { main } from "../dist/cli/main.js";

const peak = { heapMb: 0, rssMb: 0 };
const sample = () => {
  const m = process.memoryUsage();
  peak.heapMb = Math.max(peak.heapMb, m.heapTotal / 2 ** 20);
  peak.rssMb = Math.max(peak.rssMb, m.rss / 2 ** 20);
};
const timer = setInterval(sample, 50);
const code = await main(process.argv.slice(2), {
  out: (t) => process.stdout.write(t.endsWith("\n") ? t : `${t}\n`),
  err: (t) => process.stderr.write(t.endsWith("\n") ? t : `${t}\n`),
});
clearInterval(timer);
sample();
process.stderr.write(
  `\n${JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS, peakHeapMb: Math.round(peak.heapMb) })}\n`,
);
process.exit(code);
