import { NotFoundError } from '../errors/app-error';
import type { ExecutionDoc } from '../projections/execution-read-model';
import { EXECUTIONS, HISTORY_PROJECTION } from '../projections/history-projection';
import type { QueryServices } from './query-services';
import { idInMessage } from '../errors/ids';

/** An execution from the history read model; 404 when unknown. The caller checks access to its project. */
export async function findExecution(services: QueryServices, executionId: string): Promise<ExecutionDoc> {
  const execution = await services.reads.get<ExecutionDoc>(services.registry.collection(HISTORY_PROJECTION, EXECUTIONS), executionId);
  if (!execution) throw new NotFoundError(`Execution ${idInMessage(executionId)} does not exist`);
  return execution;
}
