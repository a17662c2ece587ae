/**
 * What a module version (and `min_sdk_version`) looks like: dotted whole numbers, optionally followed by a
 * `-` pre-release of dotted letters/digits (`0.31`, `1.2.0`, `2.0.0-beta.1`). Build metadata (`+...`) is
 * not allowed.
 */
export const MODULE_VERSION_PATTERN: RegExp =
  /^(0|[1-9]\d{0,8})(\.(0|[1-9]\d{0,8})){0,3}(-[0-9A-Za-z]+(\.[0-9A-Za-z]+)*)?$/;

interface ParsedVersion {
  numbers: number[];
  prerelease: string[];
}

function parse(version: string): ParsedVersion {
  if (!MODULE_VERSION_PATTERN.test(version)) {
    throw new TypeError(`not a module version: ${JSON.stringify(version)} (use e.g. "1.2.0")`);
  }
  const dash = version.indexOf('-');
  const core = dash === -1 ? version : version.slice(0, dash);
  return {
    numbers: core.split('.').map(Number),
    prerelease: dash === -1 ? [] : version.slice(dash + 1).split('.'),
  };
}

/**
 * Compares two module versions the semver way: numbers part by part (missing parts count as 0, so `1.2`
 * equals `1.2.0`), then a version with a pre-release sorts before the same version without one, and
 * pre-release parts compare numerically when both are numbers, else as text.
 *
 * @returns a negative number when `a < b`, 0 when equal, positive when `a > b`.
 * @throws TypeError when either is not a valid version (see `MODULE_VERSION_PATTERN`).
 */
export function compareVersions(a: string, b: string): number {
  const left = parse(a);
  const right = parse(b);
  const length = Math.max(left.numbers.length, right.numbers.length);
  for (let index = 0; index < length; index += 1) {
    const difference = (left.numbers[index] ?? 0) - (right.numbers[index] ?? 0);
    if (difference !== 0) return Math.sign(difference);
  }
  if (left.prerelease.length === 0 || right.prerelease.length === 0) {
    return Math.sign(right.prerelease.length - left.prerelease.length);
  }
  const parts = Math.max(left.prerelease.length, right.prerelease.length);
  for (let index = 0; index < parts; index += 1) {
    const x = left.prerelease[index];
    const y = right.prerelease[index];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const xNumeric = /^\d+$/.test(x);
    const yNumeric = /^\d+$/.test(y);
    if (xNumeric && yNumeric) {
      const difference = Number(x) - Number(y);
      if (difference !== 0) return Math.sign(difference);
    } else if (xNumeric !== yNumeric) {
      return xNumeric ? -1 : 1;
    } else if (x !== y) {
      return x < y ? -1 : 1;
    }
  }
  return 0;
}
