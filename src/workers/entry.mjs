// The pool threads' entry when gx-trust runs from source (tests, `tsx src/main.ts`): a worker
// thread starts as plain Node, so it registers tsx before loading the TypeScript task module.
// The compiled service (dist/) loads worker.js directly and never reaches this file, which is
// why tsx can stay a devDependency.
import { register } from 'tsx/esm/api';

register();
const { default: run } = await import('./worker.ts');
export default run;
