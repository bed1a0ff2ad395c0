import type { ExecutionMode } from '../../events/task-events';
import type { TaskDefinitionInput } from '../task/task-commands';

/** A task definition as a request states it, before the project's default execution mode is filled in. */
export type TaskDraft = Omit<TaskDefinitionInput, 'executionMode'> & { executionMode: ExecutionMode | null };
