import { useCallback, useRef, useState } from 'react';

/**
 * `useState` plus a ref that is updated at once. Key handlers read the ref: keys can arrive before React
 * has re-rendered (and re-subscribed the handler), and a handler reading state would see the old value.
 */
export function useRefState<T>(
  initial: T,
): [T, (next: T | ((previous: T) => T)) => void, { readonly current: T }] {
  const [state, setState] = useState(initial);
  const ref = useRef(initial);
  const set = useCallback((next: T | ((previous: T) => T)) => {
    ref.current = typeof next === 'function' ? (next as (previous: T) => T)(ref.current) : next;
    setState(ref.current);
  }, []);
  return [state, set, ref];
}
