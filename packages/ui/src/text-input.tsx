import { Text, useInput } from 'ink';
import { useRef } from 'react';

/** Props of `TextInput`. */
export interface TextInputProps {
  /** Shown before the value. */
  label: string;
  value: string;
  onChange(value: string): void;
  /** Enter. */
  onSubmit(value: string): void;
  /** Esc. */
  onCancel(): void;
  /** Longest value accepted, in characters. Default 4000. */
  maxLength?: number;
  /** Visible width of the value; longer values show their end. Default 60. */
  width?: number;
}

/** A one-line text field: printable keys type, backspace deletes, enter submits, esc cancels. */
export function TextInput({
  label,
  value,
  onChange,
  onSubmit,
  onCancel,
  maxLength = 4000,
  width = 60,
}: TextInputProps) {
  // Keys can arrive faster than React re-renders (and re-subscribes this handler), so the handler works on
  // a ref that is always current, and takes the prop again only when the parent changed it.
  const latest = useRef(value);
  const seen = useRef(value);
  if (seen.current !== value) {
    seen.current = value;
    latest.current = value;
  }
  const change = (next: string) => {
    latest.current = next;
    onChange(next);
  };
  useInput((input, key) => {
    if (key.return) onSubmit(latest.current);
    else if (key.escape) onCancel();
    else if (key.backspace || key.delete) change(latest.current.slice(0, -1));
    else if (!key.ctrl && !key.meta && !key.tab && !key.upArrow && !key.downArrow && input) {
      // Pasted text arrives in one chunk; keep it on one line.
      change(`${latest.current}${input.replace(/[\r\n]+/g, ' ')}`.slice(0, maxLength));
    }
  });
  const shown = value.length > width ? `…${value.slice(value.length - width + 1)}` : value;
  return (
    <Text>
      <Text bold>{label}</Text>
      {shown}
      <Text inverse> </Text>
    </Text>
  );
}
