import { WorkflowError } from './errors/workflow-error';

// NOTE: packages/queue/README.md ("Workflows") documents this syntax; keep both in sync.
//
// In a step's payload, string values may hold:
// - `$name` or `${name}`: a variable (`--var name=value`, else `[workflow.vars] name`);
// - `$steps.<step>.result` or `$steps.<step>.result.<path>` (also inside `${...}`): an earlier step's
//   result, or a value inside it (`.field`, `.0` for an array item);
// - `$$`: a literal `$`.
// A string that is exactly one reference becomes the referenced value itself (number, object, ...); a
// reference inside a longer string is interpolated (strings as they are, anything else as JSON).

/** A reference found in a payload string. */
export type WorkflowReference =
  | { kind: 'var'; name: string }
  | { kind: 'step'; step: string; path: string[] }
  | { kind: 'dollar' };

/** What a condition compares; exactly one operator is set. See `evaluateWorkflowCondition`. */
export interface WorkflowCondition {
  /** The earlier step whose outcome is tested (it becomes a dependency). */
  step: string;
  /** Dotted path into `{ result, status }` of that step. Default `result`. */
  path: string;
  /** True when the value deep-equals this. */
  equals?: unknown;
  /** True when the value does not deep-equal this. */
  not_equals?: unknown;
  /** `true`: the value is present (not undefined or null); `false`: it is not. */
  exists?: boolean;
  /** `true`: the value is truthy (non-empty string/array/object, non-zero number, true); `false`: falsy. */
  truthy?: boolean;
}

/** The outcome of an earlier step, as references and conditions see it. */
export interface WorkflowStepOutcome {
  /** Its task's status (`DONE` once a dependent runs). */
  status: string;
  /** Its stored result (JSON), or undefined when it has none. */
  result: unknown;
}

const TOKEN =
  /\$\$|\$\{steps\.([A-Za-z_][A-Za-z0-9_-]*)\.result((?:\.[A-Za-z0-9_-]+)*)\}|\$steps\.([A-Za-z_][A-Za-z0-9_-]*)\.result((?:\.[A-Za-z0-9_-]+)*)|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

interface Token {
  start: number;
  end: number;
  reference: WorkflowReference;
}

function tokens(text: string): Token[] {
  const found: Token[] = [];
  for (const match of text.matchAll(TOKEN)) {
    const start = match.index ?? 0;
    const end = start + match[0].length;
    let reference: WorkflowReference;
    if (match[0] === '$$') reference = { kind: 'dollar' };
    else if (match[1] !== undefined || match[3] !== undefined) {
      const path = (match[1] !== undefined ? match[2] : match[4]) ?? '';
      reference = {
        kind: 'step',
        step: (match[1] ?? match[3]) as string,
        path: path.split('.').filter((part) => part !== ''),
      };
    } else reference = { kind: 'var', name: (match[5] ?? match[6]) as string };
    found.push({ start, end, reference });
  }
  return found;
}

/** Calls `visit` for every string in a JSON-like value (object keys are left alone). */
function eachString(value: unknown, visit: (text: string) => void): void {
  if (typeof value === 'string') visit(value);
  else if (Array.isArray(value)) for (const item of value) eachString(item, visit);
  else if (value !== null && typeof value === 'object') {
    for (const item of Object.values(value)) eachString(item, visit);
  }
}

/** Every variable and step reference in a payload (`$$` escapes left out), in order of appearance. */
export function findWorkflowReferences(payload: unknown): WorkflowReference[] {
  const found: WorkflowReference[] = [];
  eachString(payload, (text) => {
    for (const token of tokens(text)) if (token.reference.kind !== 'dollar') found.push(token.reference);
  });
  return found;
}

/** The value at `path` inside `value`, or undefined when any part is missing. */
export function valueAtPath(value: unknown, path: readonly string[]): unknown {
  let node = value;
  for (const part of path) {
    if (Array.isArray(node)) {
      if (!/^\d+$/.test(part)) return undefined;
      node = node[Number(part)];
    } else if (node !== null && typeof node === 'object' && Object.hasOwn(node, part)) {
      node = (node as Record<string, unknown>)[part];
    } else return undefined;
  }
  return node;
}

/** What `resolveWorkflowPayload` looks values up in. */
export interface WorkflowResolveContext {
  /** The run's variables. */
  vars: Readonly<Record<string, unknown>>;
  /** The outcome of an earlier step of the run, or undefined when the run has no such step. */
  step: (name: string) => WorkflowStepOutcome | undefined;
}

const describeReference = (reference: WorkflowReference): string =>
  reference.kind === 'var'
    ? `$${reference.name}`
    : reference.kind === 'step'
      ? `$steps.${reference.step}.result${reference.path.map((part) => `.${part}`).join('')}`
      : '$$';

function lookUp(reference: WorkflowReference, context: WorkflowResolveContext): unknown {
  if (reference.kind === 'dollar') return '$';
  if (reference.kind === 'var') {
    if (!Object.hasOwn(context.vars, reference.name)) {
      throw new WorkflowError({
        code: 'WORKFLOW_UNKNOWN_VARIABLE',
        message: `variable $${reference.name} is not set`,
        hint: `pass --var ${reference.name}=<value> or give it a default in [workflow.vars]`,
      });
    }
    return context.vars[reference.name];
  }
  const outcome = context.step(reference.step);
  const value = outcome === undefined ? undefined : valueAtPath(outcome.result, reference.path);
  if (value === undefined) {
    throw new WorkflowError({
      code: 'WORKFLOW_STEP_UNRESOLVED',
      step: reference.step,
      message: `${describeReference(reference)} has no value (step ${reference.step} ${
        outcome === undefined ? 'does not exist' : `is ${outcome.status} and its result has nothing there`
      })`,
    });
  }
  return value;
}

function resolveString(text: string, context: WorkflowResolveContext): unknown {
  const found = tokens(text);
  if (found.length === 0) return text;
  const only = found[0] as Token;
  if (found.length === 1 && only.start === 0 && only.end === text.length)
    return lookUp(only.reference, context);
  let out = '';
  let at = 0;
  for (const token of found) {
    out += text.slice(at, token.start);
    const value = lookUp(token.reference, context);
    out += typeof value === 'string' ? value : JSON.stringify(value);
    at = token.end;
  }
  return out + text.slice(at);
}

/**
 * The payload with every `$name`, `${name}`, `$steps.<step>.result[.path]` and `$$` replaced (see the
 * syntax above). Throws `WorkflowError` `WORKFLOW_UNKNOWN_VARIABLE` or `WORKFLOW_STEP_UNRESOLVED`.
 */
export function resolveWorkflowPayload<T>(payload: T, context: WorkflowResolveContext): T {
  const walk = (value: unknown): unknown => {
    if (typeof value === 'string') return resolveString(value, context);
    if (Array.isArray(value)) return value.map(walk);
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, walk(item)]));
    }
    return value;
  };
  return walk(payload) as T;
}

const isDeepEqual = (left: unknown, right: unknown): boolean => {
  if (Object.is(left, right)) return true;
  if (typeof left !== 'object' || typeof right !== 'object' || left === null || right === null) return false;
  if (Array.isArray(left) !== Array.isArray(right)) return false;
  const leftKeys = Object.keys(left);
  const rightKeys = Object.keys(right);
  if (leftKeys.length !== rightKeys.length) return false;
  return leftKeys.every(
    (key) =>
      Object.hasOwn(right, key) &&
      isDeepEqual((left as Record<string, unknown>)[key], (right as Record<string, unknown>)[key]),
  );
};

const isTruthy = (value: unknown): boolean => {
  if (Array.isArray(value)) return value.length > 0;
  if (value !== null && typeof value === 'object') return Object.keys(value).length > 0;
  return Boolean(value);
};

/**
 * Whether a step with this condition runs, given the outcome of the step it tests. `path` is read in
 * `{ result, status }`: `result` (the default) is the whole result, `result.items.0` a value inside it,
 * `status` the task status. A missing value equals nothing, is not truthy and does not exist.
 */
export function evaluateWorkflowCondition(
  condition: WorkflowCondition,
  outcome: WorkflowStepOutcome,
): boolean {
  const value = valueAtPath(
    { result: outcome.result, status: outcome.status },
    condition.path.split('.').filter((part) => part !== ''),
  );
  if ('equals' in condition) return value !== undefined && isDeepEqual(value, condition.equals);
  if ('not_equals' in condition) return !(value !== undefined && isDeepEqual(value, condition.not_equals));
  if (condition.exists !== undefined) return (value !== undefined && value !== null) === condition.exists;
  if (condition.truthy !== undefined) return isTruthy(value) === condition.truthy;
  return true;
}
