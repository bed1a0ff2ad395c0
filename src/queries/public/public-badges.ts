import type { ProjectDoc } from '../../projections/projects-projection';
import type { TaskDoc } from '../../projections/task-read-model';
import { findTask } from '../find-task';
import { listProjectTasks } from '../list-tasks';
import type { QueryServices } from '../query-services';
import { type BadgeState, combinedState, taskBadgeState } from './badge-state';

/** What one badge shows: its label (a project, task or tag name) and the state as its message. */
export interface BadgeSubject {
  label: string;
  state: BadgeState;
}

/** The project's tasks a group badge counts: those being deleted are on their way out. */
async function countedTasks(services: QueryServices, projectId: string): Promise<TaskDoc[]> {
  return (await listProjectTasks(services, projectId)).filter((task) => task.status === 'ACTIVE' || task.status === 'DISABLED');
}

/** The whole project: its worst active task. */
export async function projectBadge(services: QueryServices, project: ProjectDoc, nowMs: number): Promise<BadgeSubject> {
  const tasks = await countedTasks(services, project.id);
  return { label: project.name, state: combinedState(tasks.map((task) => taskBadgeState(task, nowMs))) };
}

/** One task of the project (404 for any other). */
export async function taskBadge(services: QueryServices, project: ProjectDoc, taskId: string, nowMs: number): Promise<BadgeSubject> {
  const task = await findTask(services, project.id, taskId);
  return { label: task.name, state: taskBadgeState(task, nowMs) };
}

/** The project's tasks carrying a tag: their worst active one; `new` when none carries it yet. */
export async function tagBadge(services: QueryServices, project: ProjectDoc, tag: string, nowMs: number): Promise<BadgeSubject> {
  const tasks = await countedTasks(services, project.id);
  const tagged = tasks.filter((task) => task.tags?.includes(tag));
  return { label: tag, state: combinedState(tagged.map((task) => taskBadgeState(task, nowMs))) };
}
