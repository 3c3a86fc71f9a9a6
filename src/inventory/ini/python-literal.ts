// How Ansible's INI reader types a value: Python's ast.literal_eval, and the text as written when
// that fails. Supported: ints (decimal, 0x, 0o, 0b, with _), floats, True/False/None, strings
// ('..', "..", triple-quoted, r/b/u prefixes, adjacent ones joined), lists, tuples and sets (as
// lists), dicts (keys as text), a unary sign on a number, parentheses and a trailing # comment.
// What Python would read as a complex number, Ellipsis or \N{...} escapes is kept as text.

export type Literal = { readonly ok: true; readonly value: unknown } | { readonly ok: false };

const FAIL: Literal = { ok: false };

/** `text` as a Python literal, or { ok: false } when Python would not read it as one. */
export function pythonLiteral(text: string): Literal {
  try {
    const p = new Parser(text.replace(/^[ \t]+/, ''));
    const value = p.expression();
    p.end();
    return { ok: true, value };
  } catch (err) {
    if (err instanceof NotALiteral) return FAIL;
    throw err;
  }
}

class NotALiteral extends Error {}

const fail = (): never => {
  throw new NotALiteral();
};

const DIGITS = { 16: /[0-9a-fA-F]/, 8: /[0-7]/, 2: /[01]/, 10: /[0-9]/ } as const;
const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\n': '' };

class Parser {
  private i = 0;
  constructor(private readonly s: string) {}

  private skip(): void {
    while (this.i < this.s.length) {
      const c = this.s[this.i] as string;
      if (c === ' ' || c === '\t' || c === '\f') this.i++;
      else if (c === '#') this.i = this.s.length; // a comment runs to the end of the line
      else break;
    }
  }

  private peek(): string {
    this.skip();
    return this.s[this.i] ?? '';
  }

  private eat(c: string): boolean {
    if (this.peek() !== c) return false;
    this.i++;
    return true;
  }

  end(): void {
    if (this.peek() !== '') fail();
  }

  expression(): unknown {
    const c = this.peek();
    if (c === '[') return this.sequence('[', ']');
    if (c === '(') return this.parenthesised();
    if (c === '{') return this.braces();
    if (c === '+' || c === '-') {
      this.i++;
      const n = this.number(); // only one sign, and only on a number (as literal_eval)
      return c === '-' ? -n : n;
    }
    if (/[0-9.]/.test(c)) return this.number();
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.s.slice(this.i))?.[0];
    if (word !== undefined && /^(?:[rRbBuU]|[rR][bB]|[bB][rR])$/.test(word) && /['"]/.test(this.s[this.i + word.length] ?? '')) return this.strings();
    if (c === "'" || c === '"') return this.strings();
    if (word === 'True' || word === 'False' || word === 'None') {
      this.i += word.length;
      return word === 'True' ? true : word === 'False' ? false : null;
    }
    return fail();
  }

  private sequence(open: string, close: string): unknown[] {
    this.eat(open);
    const items: unknown[] = [];
    while (!this.eat(close)) {
      items.push(this.expression());
      if (!this.eat(',')) {
        if (!this.eat(close)) fail();
        break;
      }
    }
    return items;
  }

  /** (x) is x; (x,) and () are tuples, read as lists. */
  private parenthesised(): unknown {
    this.eat('(');
    if (this.eat(')')) return [];
    const first = this.expression();
    if (this.eat(')')) return first;
    if (!this.eat(',')) fail();
    const items = [first];
    while (!this.eat(')')) {
      items.push(this.expression());
      if (!this.eat(',')) {
        if (!this.eat(')')) fail();
        break;
      }
    }
    return items;
  }

  /** {k: v, ...} is a dict; {a, b} a set, read as a list (as Ansible 2.19 does). */
  private braces(): unknown {
    this.eat('{');
    if (this.eat('}')) return {};
    const first = this.expression();
    if (!this.eat(':')) {
      const items = [first];
      while (this.eat(',')) {
        if (this.peek() === '}') break;
        items.push(this.expression());
      }
      if (!this.eat('}')) fail();
      if (items.some((x) => x !== null && typeof x === 'object')) fail(); // unhashable
      return [...new Set(items)];
    }
    const dict: Record<string, unknown> = {};
    // Keys as Python's json module writes them.
    const put = (key: unknown, value: unknown): void => {
      if (key !== null && typeof key === 'object') fail(); // unhashable
      dict[key === null ? 'null' : String(key)] = value;
    };
    put(first, this.expression());
    while (this.eat(',')) {
      if (this.eat('}')) return dict;
      const key = this.expression();
      if (!this.eat(':')) fail();
      put(key, this.expression());
    }
    if (!this.eat('}')) fail();
    return dict;
  }

  private number(): number {
    this.skip();
    const rest = this.s.slice(this.i);
    const based = /^0([xXoObB])(?:_?[0-9a-zA-Z])+/.exec(rest);
    if (based) {
      const radix = { x: 16, o: 8, b: 2 }[(based[1] as string).toLowerCase() as 'x' | 'o' | 'b'] as 16 | 8 | 2;
      const digits = based[0].slice(2).replaceAll('_', '');
      if (![...digits].every((d) => DIGITS[radix].test(d))) fail();
      this.i += based[0].length;
      return this.noSuffix(parseInt(digits, radix));
    }
    const digitPart = '[0-9](?:_?[0-9])*';
    const float = new RegExp(`^(?:(?:${digitPart})?\\.${digitPart}|${digitPart}\\.?)(?:[eE][+-]?${digitPart})?`).exec(rest);
    if (!float) return fail();
    const text = float[0];
    const isInt = /^[0-9_]+$/.test(text);
    // Python 3 refuses leading zeros in a non-zero decimal integer (010).
    if (isInt && /^0/.test(text) && /[1-9]/.test(text)) fail();
    this.i += text.length;
    return this.noSuffix(Number(text.replaceAll('_', '')));
  }

  /** A number directly followed by a letter, digit or _ (1j, 1x) is not what literal_eval reads. */
  private noSuffix(n: number): number {
    if (/[A-Za-z0-9_.]/.test(this.s[this.i] ?? '')) fail();
    return n;
  }

  /** One or more adjacent string literals, joined. */
  private strings(): string {
    let out = '';
    let kind: 'text' | 'bytes' | undefined;
    for (;;) {
      this.skip();
      const m = /^([rRbBuU]{0,2})('''|"""|'|")/.exec(this.s.slice(this.i));
      if (!m) break;
      const prefix = (m[1] as string).toLowerCase();
      const bytes = prefix.includes('b');
      if (kind !== undefined && kind !== (bytes ? 'bytes' : 'text')) fail(); // bytes + str
      kind = bytes ? 'bytes' : 'text';
      this.i += m[0].length;
      out += this.stringBody(m[2] as string, prefix.includes('r'), bytes);
    }
    return out;
  }

  private stringBody(quote: string, raw: boolean, bytes: boolean): string {
    let out = '';
    for (;;) {
      if (this.i >= this.s.length) fail();
      if (this.s.startsWith(quote, this.i)) {
        this.i += quote.length;
        return out;
      }
      const c = this.s[this.i] as string;
      if (c === '\n' && quote.length === 1) fail();
      if (c !== '\\') {
        out += c;
        this.i++;
        continue;
      }
      const next = this.s[this.i + 1];
      if (next === undefined) fail();
      if (raw) {
        out += `\\${next}`; // a raw string keeps the backslash, but \' still does not end it
        this.i += 2;
        continue;
      }
      out += this.escape(bytes);
    }
  }

  private escape(bytes: boolean): string {
    const next = this.s[this.i + 1] as string;
    this.i += 2;
    const simple = SIMPLE_ESCAPES[next];
    if (simple !== undefined) return simple;
    if (/[0-7]/.test(next)) {
      const more = /^[0-7]{0,2}/.exec(this.s.slice(this.i))?.[0] ?? '';
      this.i += more.length;
      return String.fromCodePoint(parseInt(next + more, 8));
    }
    const hexLength = next === 'x' ? 2 : !bytes && next === 'u' ? 4 : !bytes && next === 'U' ? 8 : 0;
    if (hexLength) {
      const hex = this.s.slice(this.i, this.i + hexLength);
      if (!new RegExp(`^[0-9a-fA-F]{${hexLength}}$`).test(hex)) fail();
      this.i += hexLength;
      const code = parseInt(hex, 16);
      if (code > 0x10ffff) fail();
      return String.fromCodePoint(code);
    }
    if (next === 'N' && !bytes) fail(); // \N{NAME}: no character-name table here
    return `\\${next}`; // Python keeps unknown escapes as written
  }
}
