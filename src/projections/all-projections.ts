import type { Projection } from './projection';

/** Every projection the server runs. */
export function allProjections(): Projection[] {
  return [];
}
