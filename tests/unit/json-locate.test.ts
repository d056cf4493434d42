import { describe, expect, it } from 'vitest';
import { locateJsonError } from '../../src/core/json-locate';

function parses(s: string): boolean {
  try {
    JSON.parse(s);
    return true;
  } catch {
    return false;
  }
}

describe('locateJsonError', () => {
  it('points at the first offending character', () => {
    expect(locateJsonError('[\n  {"text": "a"},\n  {"text": }\n]')).toEqual({ offset: 30, line: 3, column: 12 });
    expect(locateJsonError('{"a": 1,}')).toMatchObject({ line: 1, column: 9 });
    expect(locateJsonError('[1, 2')).toMatchObject({ offset: 5, column: 6 });
    expect(locateJsonError('"\\x"')).toMatchObject({ column: 3 });
    expect(locateJsonError('"\\u12G4"')).toMatchObject({ column: 6 });
    expect(locateJsonError('{"a": tru}')).toMatchObject({ column: 10 });
    expect(locateJsonError('01')).toMatchObject({ column: 2 });
    expect(locateJsonError('{} x')).toMatchObject({ column: 4 });
    expect(locateJsonError('')).toMatchObject({ offset: 0 });
  });

  it('agrees with JSON.parse on valid and mutated documents', () => {
    const valid = JSON.stringify({
      docs: [{ _id: 'a', title: 'T "q" \\ \u00e9 😀', text: 'x\ny', n: -1.5e3, ok: true, no: false, z: null }, [], {}],
    });
    expect(locateJsonError(valid)).toBeNull();
    const alphabet = ['{', '}', '[', ']', ',', ':', '"', '\\', '1', '-', 'e', 't', 'n', ' ', '\n', 'x', '.'];
    let seed = 12345;
    const rand = (k: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % k;
    };
    for (let trial = 0; trial < 3000; trial++) {
      const chars = [...valid];
      const edits = 1 + rand(2);
      for (let k = 0; k < edits; k++) {
        const at = rand(chars.length);
        const op = rand(3);
        if (op === 0) chars.splice(at, 1);
        else if (op === 1) chars.splice(at, 0, alphabet[rand(alphabet.length)]!);
        else chars[at] = alphabet[rand(alphabet.length)]!;
      }
      const s = chars.join('');
      expect(locateJsonError(s) === null, s).toBe(parses(s));
    }
  });
});
