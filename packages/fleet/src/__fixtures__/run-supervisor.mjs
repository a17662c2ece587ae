// Runs the built supervisor in the foreground for BIGED_HOME (used by detach/stop tests).
import { runSupervisor } from '../../dist/index.js';

await runSupervisor({ home: process.env.BIGED_HOME });
