/** Streams text through, ending it before the first stop string and never emitting part of one. */
export interface StopFilter {
  /** Feeds generated text; returns what can be emitted now. `stopped` turns true at the first stop string. */
  push(text: string): string;
  /** At the end of generation: the text held back as a possible stop-string start. */
  flush(): string;
  readonly stopped: boolean;
}

/**
 * Creates a `StopFilter` for Ollama's `options.stop`. The stop strings are matched on the decoded text
 * here, not by node-llama-cpp: its detector decodes token by token, and a lone SentencePiece space token
 * decodes to "", so stop strings containing spaces never matched.
 */
export function createStopFilter(stops: readonly string[]): StopFilter {
  const active = stops.filter((stop) => stop.length > 0);
  let held = '';
  let stopped = false;
  return {
    push(text) {
      if (stopped) return '';
      held += text;
      let cut = -1;
      for (const stop of active) {
        const index = held.indexOf(stop);
        if (index !== -1 && (cut === -1 || index < cut)) cut = index;
      }
      if (cut !== -1) {
        stopped = true;
        const out = held.slice(0, cut);
        held = '';
        return out;
      }
      // Hold back the longest tail that could still grow into a stop string.
      let keep = 0;
      for (const stop of active) {
        for (let length = Math.min(stop.length - 1, held.length); length > keep; length--) {
          if (held.endsWith(stop.slice(0, length))) {
            keep = length;
            break;
          }
        }
      }
      const out = held.slice(0, held.length - keep);
      held = held.slice(held.length - keep);
      return out;
    },
    flush() {
      const out = stopped ? '' : held;
      held = '';
      return out;
    },
    get stopped() {
      return stopped;
    },
  };
}
