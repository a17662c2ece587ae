export { createTempHome } from './temp-home';
export type { TempHome } from './temp-home';
