import type { JsonObject } from '../json';

/**
 * Brings one event's data from version N to N + 1. Pure (no clock, no I/O, no lookups, no other
 * event), total (never throws on a shape an earlier version could have written) and it keeps every
 * field it does not change, unknown ones included: it builds on a copy (`({ old, ...data }) => …`).
 */
export type Upcaster = (data: JsonObject) => JsonObject;
