import { productionEngines } from './test-engines';

/** Says once per run which engines the suite runs on, and which server runs are skipped (never faked). */
export default function globalSetup(): void {
  console.warn(`\n${productionEngines.summary()}`);
}
