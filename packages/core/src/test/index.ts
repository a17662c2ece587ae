export type { TempHome } from './temp-home';
export { createTempHome } from './temp-home';
