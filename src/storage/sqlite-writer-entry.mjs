// The writer thread's entry when gx-trust runs from source (tests, `tsx src/main.ts`): a worker
// thread starts as plain Node, so it registers tsx before loading the TypeScript module. The
// compiled service loads sqlite-writer-thread.js directly and never reaches this file.
import { register } from 'tsx/esm/api';

register();
await import('./sqlite-writer-thread.ts');
