import { setFlagsFromString } from 'v8';
import { runInNewContext } from 'vm';

// Memory figures are read after a full collection, so that they say what is kept, not when the collector last ran.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Two full collections: the second frees what finalizers of the first released. */
export function collectGarbage(): void {
  gc();
  gc();
}
