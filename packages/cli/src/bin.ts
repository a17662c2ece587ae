#!/usr/bin/env node
import { fileURLToPath } from 'node:url';
import { runFast } from './fast-dispatch';

// `biged logs x | head -1` closes the pipe early; that is not an error worth a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

// Only the command being run is imported (fast-dispatch.ts): `biged status` starts without the rest.
const code = await runFast(process.argv.slice(2), { binPath: fileURLToPath(import.meta.url) });
process.exitCode = code;
// Every command closes what it opened, so the process normally ends here by itself. If a stray
// handle (a third-party skill's timer) would keep it alive, leave anyway shortly after.
setTimeout(() => process.exit(code), 2000).unref();
