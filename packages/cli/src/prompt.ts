/** Options for `createTerminalPrompt`. */
export interface CreateTerminalPromptOptions {
  /** Where the answer is read from, usually `process.stdin`. */
  input: NodeJS.ReadableStream;
  /** Where the question is written, usually `process.stderr` (stdout is kept for results and JSON). */
  output: NodeJS.WritableStream;
}

/**
 * A prompt that writes the question to `output` and resolves with the next line read from `input`,
 * without its line break. End of input (Ctrl-D) before a line resolves with `''`, which every caller reads
 * as "no". The line reader is closed after each answer, so a waiting prompt never keeps the process alive.
 */
export function createTerminalPrompt({
  input,
  output,
}: CreateTerminalPromptOptions): (question: string) => Promise<string> {
  return async (question) => {
    // Imported when a question is asked: the commands that never ask start without it.
    const { createInterface } = await import('node:readline');
    return new Promise<string>((resolve) => {
      const reader = createInterface({ input, output, terminal: false });
      let answered = false;
      reader.once('line', (line) => {
        answered = true;
        reader.close();
        resolve(line);
      });
      reader.once('close', () => {
        if (!answered) resolve('');
      });
      output.write(question);
    });
  };
}
