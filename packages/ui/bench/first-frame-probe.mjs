// Preloaded into `biged ui` by first-frame.mjs (NODE_OPTIONS=--import): when the first frame with the tab
// bar is written, records the process's own CPU time (user + system, all threads) and its uptime, so the
// benchmark can report a figure that a loaded machine distorts far less than wall time.
import { writeFileSync } from 'node:fs';

const file = process.env.BIGED_UI_BENCH_PROBE;
const marker = process.env.BIGED_UI_BENCH_MARKER ?? '6 Modules';
if (file) {
  const write = process.stdout.write.bind(process.stdout);
  let seen = '';
  let done = false;
  process.stdout.write = (chunk, ...rest) => {
    if (!done) {
      seen += String(chunk);
      if (seen.includes(marker)) {
        done = true;
        const { user, system } = process.cpuUsage();
        writeFileSync(
          file,
          JSON.stringify({ cpuMs: (user + system) / 1000, uptimeMs: process.uptime() * 1000 }),
        );
      }
    }
    return write(chunk, ...rest);
  };
}
