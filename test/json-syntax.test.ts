import { describe, expect, it } from 'vitest';
import { describeJsonSyntaxError, findJsonSyntaxError } from '../src/json-syntax.js';

describe('findJsonSyntaxError()', () => {
  it.each([
    '{}',
    '[]',
    ' {"a": [1, -2.5e3, true, false, null, "x\\n\\u00e9"], "b": {}} ',
    '"a string"',
    '0',
  ])('finds nothing in well-formed JSON: %s', (text) => {
    expect(() => JSON.parse(text)).not.toThrow();
    expect(findJsonSyntaxError(text)).toBeUndefined();
  });

  it.each([
    ['{"a": }', 'Unexpected token }', 1, 7, 6],
    ['{\n  "a": 1,\n  }', 'Unexpected token } (expected a double-quoted property name)', 3, 3, 14],
    ['{"a" 1}', "Unexpected token 1 (expected ':' after the property name)", 1, 6, 5],
    ['[1, 2,]', 'Unexpected token ]', 1, 7, 6],
    ['{"a": tru}', 'Unexpected token t', 1, 7, 6],
    ['{"a": 1', "Unexpected end of input (expected ',' or '}')", 1, 8, 7],
    ['{"a": "x\ny"}', 'Unexpected control character U+000A in string', 1, 9, 8],
    ['{"é": 1}}', 'Unexpected token } after the JSON value', 1, 9, 9],
    ['{"a": "\\q"}', 'Bad escape in string', 1, 8, 7],
    ['{"a": "open', 'Unterminated string', 1, 12, 11],
  ])('places the fault of %j', (text, problem, line, column, byteOffset) => {
    expect(() => JSON.parse(text)).toThrow(SyntaxError);
    expect(findJsonSyntaxError(text)).toEqual({ problem, line, column, byteOffset });
  });

  it('scans a refused 100,000-deep array without recursion', () => {
    const text = '['.repeat(100_000) + '}';
    expect(findJsonSyntaxError(text)).toMatchObject({ problem: 'Unexpected token }', column: 100_001 });
  });

  it('describes the place as an editor shows it', () => {
    expect(describeJsonSyntaxError({ problem: 'Unexpected token }', line: 3, column: 5, byteOffset: 27 })).toBe('Unexpected token } at line 3, column 5 (byte offset 27)');
  });
});
