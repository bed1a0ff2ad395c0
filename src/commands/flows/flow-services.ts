import type { AppServices } from '../../app-services';

/** What a flow (a request's work spanning several streams) needs. */
export type FlowServices = Pick<AppServices, 'events' | 'clock' | 'projections'>;
