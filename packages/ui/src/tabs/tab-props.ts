import type { LauncherData } from '../launcher-data';

/** What every built-in tab gets from the app. */
export interface TabProps {
  data: LauncherData;
  /** Data refresh interval in ms. */
  refreshMs: number;
  /** Terminal width in columns. */
  width: number;
  /** Lines the tab body may use. */
  height: number;
  /** True while a text field of the tab has the keyboard (the app's own keys are off meanwhile). */
  setCapture(capture: boolean): void;
  /** Clock in epoch ms. */
  now(): number;
}
