/**
 * Where a JSON text breaks, for people: the line, the column and the byte offset of the first
 * character RFC 8259 does not allow there. JSON.parse says where only for some faults (V8 12:
 * "Unexpected token '}', "{"a": }" is not valid JSON" names no position), so a text JSON.parse
 * refused is scanned again here; nothing is scanned twice for a text that parses.
 *
 * The scan keeps its own stack (no recursion), so a refused 100,000-deep array costs a loop, not
 * the call stack.
 * @see https://www.rfc-editor.org/rfc/rfc8259
 */

export interface JsonSyntaxError {
  /** What is wrong, without the place: "Unexpected token }", "Unterminated string". */
  problem: string;
  /** 1-based line and column (a column counts UTF-16 code units, as editors do). */
  line: number;
  column: number;
  /** 0-based offset in UTF-8 bytes from the start of the text. */
  byteOffset: number;
}

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const HEX4 = /^[0-9a-fA-F]{4}$/;

function shown(char: string | undefined): string {
  if (char === undefined) return 'end of input';
  const code = char.charCodeAt(0);
  return code < 0x20 ? `control character U+${code.toString(16).toUpperCase().padStart(4, '0')}` : `token ${char}`;
}

/** The first syntax error of `text`, or undefined when it is one well-formed JSON value. */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  let i = 0;
  const closers: ('}' | ']')[] = [];
  let state: 'value' | 'key' | 'after' = 'value';
  const at = (index: number, problem: string): JsonSyntaxError => placeOf(text, index, problem);
  const skipWhitespace = (): void => {
    while (i < text.length && WHITESPACE.has(text[i]!)) i++;
  };
  /** Reads the string at `i` (its opening quote); an error, or undefined once past its closing quote. */
  const readString = (): JsonSyntaxError | undefined => {
    i++;
    for (;;) {
      const char = text[i];
      if (char === undefined) return at(i, 'Unterminated string');
      if (char === '"') {
        i++;
        return undefined;
      }
      if (char === '\\') {
        const escape = text[i + 1];
        if (escape === 'u') {
          if (!HEX4.test(text.slice(i + 2, i + 6))) return at(i, 'Bad \\u escape in string');
          i += 6;
          continue;
        }
        if (escape === undefined || !ESCAPES.has(escape)) return at(i, 'Bad escape in string');
        i += 2;
        continue;
      }
      if (char.charCodeAt(0) < 0x20) return at(i, `Unexpected ${shown(char)} in string`);
      i++;
    }
  };

  for (;;) {
    skipWhitespace();
    const char = text[i];
    if (state === 'value') {
      if (char === '{' || char === '[') {
        closers.push(char === '{' ? '}' : ']');
        i++;
        skipWhitespace();
        if (text[i] === closers.at(-1)) {
          closers.pop();
          i++;
          state = 'after';
        } else {
          state = char === '{' ? 'key' : 'value';
        }
        continue;
      }
      if (char === '"') {
        const error = readString();
        if (error !== undefined) return error;
        state = 'after';
        continue;
      }
      const literal = ['true', 'false', 'null'].find((word) => text.startsWith(word, i));
      if (literal !== undefined) {
        i += literal.length;
        state = 'after';
        continue;
      }
      NUMBER.lastIndex = i;
      if (char !== undefined && (char === '-' || (char >= '0' && char <= '9')) && NUMBER.test(text)) {
        i = NUMBER.lastIndex;
        state = 'after';
        continue;
      }
      return at(i, `Unexpected ${shown(char)}`);
    }
    if (state === 'key') {
      if (char !== '"') return at(i, `Unexpected ${shown(char)} (expected a double-quoted property name)`);
      const error = readString();
      if (error !== undefined) return error;
      skipWhitespace();
      if (text[i] !== ':') return at(i, `Unexpected ${shown(text[i])} (expected ':' after the property name)`);
      i++;
      state = 'value';
      continue;
    }
    // After a value: the end of the text, a comma, or the closer of the innermost container.
    const closer = closers.at(-1);
    if (closer === undefined) return char === undefined ? undefined : at(i, `Unexpected ${shown(char)} after the JSON value`);
    if (char === ',') {
      i++;
      state = closer === '}' ? 'key' : 'value';
    } else if (char === closer) {
      closers.pop();
      i++;
    } else {
      return at(i, `Unexpected ${shown(char)} (expected ',' or '${closer}')`);
    }
  }
}

function placeOf(text: string, index: number, problem: string): JsonSyntaxError {
  let line = 1;
  let lineStart = 0;
  for (let k = 0; k < index; k++) {
    if (text.charCodeAt(k) === 0x0a) {
      line++;
      lineStart = k + 1;
    }
  }
  return { problem, line, column: index - lineStart + 1, byteOffset: Buffer.byteLength(text.slice(0, index), 'utf8') };
}

/** "Unexpected token } at line 3, column 5 (byte offset 27)". */
export function describeJsonSyntaxError(error: JsonSyntaxError): string {
  return `${error.problem} at line ${error.line}, column ${error.column} (byte offset ${error.byteOffset})`;
}
