#!/usr/bin/env node
/**
 * A stand-in for jq on machines without it, for test/docs/readme-runs.test.ts only: the README's
 * runnable blocks use jq (readers have it), and a test must not depend on a program the
 * repository does not install. It reads exactly the filters those blocks use, and refuses any
 * other (exit 3), so a block written with more of jq fails here instead of printing something else:
 *
 *   jq [-r] [-c] [-e] FILTER [FILE]
 *   FILTER: PATHS | [PATHS]     PATHS: PATH, PATH, ...     PATH: . | .key | .[n] | .key[n] | .key[] | ...
 *
 * `[n]` takes negative indices from the end, `[]` iterates, `[PATH]` collects into an array; as
 * jq: strings printed as JSON unless -r, pretty unless -c, and -e exits 1 when the last output is
 * false or null.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** FILTER as its comma-separated paths, each a list of steps ({key} | {index} | {each}), and whether it collects them into an array. */
export function parseFilter(filter) {
  let text = filter.trim();
  const collect = text.startsWith('[') && text.endsWith(']');
  if (collect) text = text.slice(1, -1).trim();
  return { paths: text.split(',').map((path) => parsePath(path.trim(), filter)), collect };
}

function parsePath(text, filter) {
  if (!text.startsWith('.')) throw new Error(`jq stand-in: unsupported filter ${JSON.stringify(filter)}`);
  const steps = [];
  const pattern = /\.([A-Za-z_][A-Za-z0-9_]*)|\[(-?\d+)\]|\[\]|\./gy;
  let at = 0;
  while (at < text.length) {
    pattern.lastIndex = at;
    const match = pattern.exec(text);
    if (match === null) throw new Error(`jq stand-in: unsupported filter ${JSON.stringify(filter)} at ${JSON.stringify(text.slice(at))}`);
    if (match[1] !== undefined) steps.push({ key: match[1] });
    else if (match[2] !== undefined) steps.push({ index: Number(match[2]) });
    else if (match[0] === '[]') steps.push({ each: true });
    at = pattern.lastIndex;
  }
  return steps;
}

/** The outputs of FILTER on one input, as jq gives them (null for a missing key or index). */
export function evaluate(filter, input) {
  const { paths, collect } = parseFilter(filter);
  const values = paths.flatMap((steps) => follow(steps, input));
  return collect ? [values] : values;
}

function follow(steps, input) {
  let values = [input];
  for (const step of steps) {
    values = values.flatMap((value) => {
      if (step.key !== undefined) {
        if (value === null) return [null];
        if (typeof value !== 'object' || Array.isArray(value)) throw new Error(`jq stand-in: cannot index ${typeof value} with "${step.key}"`);
        return [value[step.key] ?? null];
      }
      if (step.index !== undefined) {
        if (value === null) return [null];
        if (!Array.isArray(value)) throw new Error('jq stand-in: cannot index a non-array with a number');
        return [value.at(step.index) ?? null];
      }
      if (Array.isArray(value)) return value;
      if (typeof value === 'object' && value !== null) return Object.values(value);
      throw new Error(`jq stand-in: cannot iterate over ${value === null ? 'null' : typeof value}`);
    });
  }
  return values;
}

function main(argv) {
  const flags = new Set();
  const operands = [];
  for (const argument of argv) {
    if (/^-[rce]+$/.test(argument)) for (const flag of argument.slice(1)) flags.add(flag);
    else if (argument.startsWith('-')) throw new Error(`jq stand-in: unsupported option ${argument}`);
    else operands.push(argument);
  }
  if (operands.length < 1 || operands.length > 2) throw new Error('jq stand-in: usage: jq [-r] [-c] [-e] FILTER [FILE]');
  const text = readFileSync(operands[1] ?? 0, 'utf8');
  const outputs = evaluate(operands[0], JSON.parse(text));
  for (const value of outputs) {
    process.stdout.write(`${flags.has('r') && typeof value === 'string' ? value : JSON.stringify(value, null, flags.has('c') ? undefined : 2)}\n`);
  }
  const last = outputs.at(-1);
  if (flags.has('e') && (last === false || last === null || last === undefined)) process.exitCode = 1;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 3;
  }
}
