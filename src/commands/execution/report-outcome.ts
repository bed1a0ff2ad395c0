import type { ExecutionStatus } from '../../events/execution-events';
import type { ExecutionState } from './execution-state';

/**
 * What a status report did, for the HTTP layer's answer (both compat and v1 answer 200 with `status`):
 * - `applied`: the status changed to the reported one;
 * - `unchanged`: the report repeated the current status (nothing recorded);
 * - `late`: the system had already ended the execution; the report was recorded, `status` is the
 *   system's outcome (only on the compat route: on v1 the decider refuses with 409 instead).
 */
export interface ReportOutcome {
  kind: 'applied' | 'unchanged' | 'late';
  status: ExecutionStatus;
}

/** From the command shell's result (`handleCommand` returns the state after and the appended events). */
export function reportOutcome(result: { state: ExecutionState; events: ReadonlyArray<{ type: string }> }): ReportOutcome {
  if (result.state === null) throw new Error('A report was accepted for an execution that does not exist');
  const status = result.state.status;
  if (result.events.length === 0) return { kind: 'unchanged', status };
  if (result.events.some((event) => event.type === 'ExecutionLateReportReceived' || event.type === 'ExecutionStaleReportReceived')) {
    return { kind: 'late', status };
  }
  return { kind: 'applied', status };
}
