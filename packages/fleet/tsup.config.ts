import { defineLibraryConfig } from '@biged/tsup-config';

export default defineLibraryConfig(new URL('.', import.meta.url), {
  index: 'src/index.ts',
  control: 'src/supervisor-control-entry.ts',
  'worker-main': 'src/worker-main.ts',
  'hw-monitor-main': 'src/hw-monitor-main.ts',
});
