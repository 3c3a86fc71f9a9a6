// Python's shlex.split(line, comments=True) in POSIX mode, which Ansible's INI reader uses for
// host lines: words split on whitespace, '...' taken literally, "..." with \" and \\ escapes,
// \x outside quotes escapes x, and # starts a comment anywhere outside quotes (even mid-word).

const WHITESPACE = ' \t\r\n';

export type ShlexResult = { readonly ok: true; readonly words: string[] } | { readonly ok: false; readonly message: string };

export function shlexSplit(line: string): ShlexResult {
  const words: string[] = [];
  let word = '';
  let quoted = false;
  let inWord = false;
  let state: 'space' | 'word' | "'" | '"' = 'space';
  const end = (): void => {
    if (inWord || quoted) words.push(word);
    word = '';
    quoted = false;
    inWord = false;
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (state === "'" || state === '"') {
      if (c === state) state = 'word';
      else if (c === '\\' && state === '"') {
        const next = line[i + 1];
        if (next === undefined) return { ok: false, message: 'No escaped character' };
        // Inside double quotes only the quote itself and the backslash are escaped.
        word += next === '"' || next === '\\' ? next : `\\${next}`;
        i++;
      } else word += c;
      continue;
    }
    if (WHITESPACE.includes(c)) {
      if (state === 'word') end();
      state = 'space';
    } else if (c === '#') {
      break; // the rest of the line is a comment
    } else if (c === "'" || c === '"') {
      state = c;
      quoted = true;
      inWord = true;
    } else if (c === '\\') {
      const next = line[i + 1];
      if (next === undefined) return { ok: false, message: 'No escaped character' };
      word += next;
      inWord = true;
      state = 'word';
      i++;
    } else {
      word += c;
      inWord = true;
      state = 'word';
    }
  }
  if (state === "'" || state === '"') return { ok: false, message: 'No closing quotation' };
  if (inWord || quoted) end();
  return { ok: true, words };
}
