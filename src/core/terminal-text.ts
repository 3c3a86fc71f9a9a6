// Text that came from hosts (command errors, file contents quoted in parse errors, messages) is
// printed to the operator's terminal. A host must not be able to drive that terminal with escape
// sequences (OSC 52 writes the clipboard, CSI moves the cursor or clears the screen, a carriage
// return overprints a line), so every string reporters print goes through here. JSON output needs
// none of this: JSON escapes control characters itself.

// C0 controls but tab and newline, DEL, C1 controls, and the bidirectional overrides and isolates.
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const CONTROL_KEEPING_NEWLINES = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

function escape(char: string): string {
  if (char === '\n') return '\\n';
  if (char === '\r') return '\\r';
  const code = char.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** `text` with control characters shown as `\x1b`, `\r`...; newlines kept only when `multiline`. */
export function visible(text: string, multiline = false): string {
  return text.replace(multiline ? CONTROL_KEEPING_NEWLINES : CONTROL, escape);
}

/** Every string in `value` (an event, an outcome) made visible; `multiline` names fields that keep newlines (a diff). */
export function visibleStrings<T>(value: T, multiline: readonly string[] = []): T {
  const walk = (v: unknown, key?: string): unknown => {
    if (typeof v === 'string') return visible(v, key !== undefined && multiline.includes(key));
    if (Array.isArray(v)) return v.map((item) => walk(item));
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, item]) => [k, walk(item, k)]));
    return v;
  };
  return walk(value) as T;
}
