// `dist/main.js`: every command but the ones with a start-up bundle (bin.ts sends those to
// `dist/fast/<name>.cjs`). Only the command being run is imported (fast-dispatch.ts).
export { runFast as main } from './fast-dispatch';
