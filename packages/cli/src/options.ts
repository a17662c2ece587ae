import { MAX_PRIORITY, MIN_PRIORITY } from '@biged/core';
import { CliError } from './errors';

const wholeNumber = /^\d+$/;

/** `--priority`: a whole number from 1 to 10. */
export function parsePriority(text: string): number {
  const value = Number(text);
  if (!wholeNumber.test(text.trim()) || value < MIN_PRIORITY || value > MAX_PRIORITY) {
    throw new CliError({
      code: 'CLI_INVALID_OPTION',
      message: `--priority must be a whole number from ${MIN_PRIORITY} to ${MAX_PRIORITY}, got "${text}"`,
      hint: `${MAX_PRIORITY} is the most urgent; \`dispatch\` defaults to 9, \`task\` to 5`,
    });
  }
  return value;
}

/** A whole number above zero, for `--tail`, `--timeout` and the like. */
export function parsePositiveInteger(text: string, flag: string): number {
  const value = Number(text);
  if (!wholeNumber.test(text.trim()) || value <= 0 || !Number.isSafeInteger(value)) {
    throw new CliError({
      code: 'CLI_INVALID_OPTION',
      message: `${flag} must be a whole number above 0, got "${text}"`,
    });
  }
  return value;
}

/** A task id argument. */
export function parseTaskId(text: string): number {
  const value = Number(text);
  if (!wholeNumber.test(text.trim()) || value <= 0 || !Number.isSafeInteger(value)) {
    throw new CliError({
      code: 'CLI_INVALID_OPTION',
      message: `a task id is a whole number above 0, got "${text}"`,
      hint: 'the id is printed by `biged dispatch` and `biged task`',
    });
  }
  return value;
}
