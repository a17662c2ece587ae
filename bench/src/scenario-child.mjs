#!/usr/bin/env node
// Runs one benchmark scenario in its own process (forked by queue-peers.mjs), so that every system starts
// from a fresh heap and a crash or hang costs one row, not the run. argv[2]: JSON { module, fn, args }.
// Sends { ok: true, result } or { ok: false, error } over IPC, then exits.
const { module, fn, args } = JSON.parse(process.argv[2]);

try {
  const loaded = await import(new URL(`./systems/${module}.mjs`, import.meta.url));
  const result = await loaded[fn](args);
  process.send({ ok: true, result }, () => process.exit(0));
} catch (error) {
  process.send({ ok: false, error: String(error?.message ?? error).split('\n')[0] }, () => process.exit(1));
}
