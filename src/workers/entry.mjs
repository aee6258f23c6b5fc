// The pool threads' entry: a worker thread starts as plain Node, so it registers tsx (as
// bin/gx-trust.js does) before loading the TypeScript task module.
import { register } from 'tsx/esm/api';

register();
const { default: run } = await import('./worker.ts');
export default run;
