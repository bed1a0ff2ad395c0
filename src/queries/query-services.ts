import type { AppServices } from '../app-services';

/** What a read-model query needs: the read store and the map to the active generation's collections. */
export type QueryServices = Pick<AppServices, 'reads' | 'registry'>;
