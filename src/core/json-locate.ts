/**
 * Where a JSON text first breaks the grammar. `JSON.parse` errors do not always carry a
 * position (V8's "Unexpected token '}', ... is not valid JSON" does not), so a failed parse is
 * re-scanned here to tell the user the line and column.
 */

export interface JsonErrorPlace {
  /** UTF-16 offset of the first offending character (the text's length when it ends too early). */
  offset: number;
  /** 1-based. */
  line: number;
  /** 1-based, in UTF-16 units. */
  column: number;
}

/** The first syntax error in `s`, or null when `s` is valid JSON (or nests too deeply to scan). */
export function locateJsonError(s: string): JsonErrorPlace | null {
  const n = s.length;
  let i = 0;
  const fail = (): never => {
    throw new SyntaxAt(i);
  };
  const ws = () => {
    for (let c = s.charCodeAt(i); c === 32 || c === 9 || c === 10 || c === 13; c = s.charCodeAt(++i));
  };
  const expect = (ch: string) => {
    if (s[i] !== ch) fail();
    i++;
  };
  const literal = (w: string) => {
    for (let k = 0; k < w.length; k++, i++) if (s[i] !== w[k]) fail();
  };
  const string = () => {
    i++;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c === 34) {
        i++;
        return;
      }
      if (c < 32) fail();
      if (c === 92) {
        i++;
        const e = s[i];
        if (e === 'u') {
          for (let k = 1; k <= 4; k++) {
            if (!/[0-9a-fA-F]/.test(s[i + k] ?? '')) {
              i += k;
              fail();
            }
          }
          i += 5;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i++;
        else fail();
        continue;
      }
      i++;
    }
    fail();
  };
  const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  const number = () => {
    NUMBER.lastIndex = i;
    if (!NUMBER.exec(s)) fail();
    i = NUMBER.lastIndex;
  };
  const value = (): void => {
    ws();
    const c = s[i];
    if (c === '{') {
      i++;
      ws();
      if (s[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (s[i] !== '"') fail();
        string();
        ws();
        expect(':');
        value();
        ws();
        if (s[i] === ',') i++;
        else return expect('}');
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (s[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value();
        ws();
        if (s[i] === ',') i++;
        else return expect(']');
      }
    }
    if (c === '"') return string();
    if (c === 't') return literal('true');
    if (c === 'f') return literal('false');
    if (c === 'n') return literal('null');
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return number();
    fail();
  };
  try {
    value();
    ws();
    if (i < n) fail();
    return null;
  } catch (e) {
    if (!(e instanceof SyntaxAt)) return null; // too deep to scan (RangeError)
    const offset = Math.min(e.offset, n);
    let line = 1;
    let lineStart = 0;
    for (let k = s.indexOf('\n'); k !== -1 && k < offset; k = s.indexOf('\n', k + 1)) {
      line++;
      lineStart = k + 1;
    }
    return { offset, line, column: offset - lineStart + 1 };
  }
}

class SyntaxAt {
  constructor(readonly offset: number) {}
}
