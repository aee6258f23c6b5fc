/** Types of jq-subset.mjs (a plain script, so it runs with node alone where jq is missing). */
export interface PathStep {
  key?: string;
  index?: number;
  each?: true;
}
export function parseFilter(filter: string): { paths: PathStep[][]; collect: boolean };
export function evaluate(filter: string, input: unknown): unknown[];
