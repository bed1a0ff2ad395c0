import type { AppServices } from '../../app-services';
import { listProjectTasks } from '../../queries/list-tasks';
import type { CommandContext } from '../command-context';
import type { Task } from '../task/task-state';
import { createTask } from './create-task';
import { loadLiveTask } from './load-task';

/**
 * A task's slug, as Healthchecks derives one from a check's name (Django's slugify): ASCII letters
 * (accents dropped), digits, `_` and `-`, lowercased, runs of spaces and hyphens as one `-`.
 */
export function slugOf(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[^\x00-\x7F]/g, '')
    .toLowerCase()
    .replace(/[^\w\s-]/g, '')
    .replace(/[-\s]+/g, '-')
    .replace(/^[-_]+|[-_]+$/g, '');
}

export type SlugMatch = { kind: 'one'; task: Task } | { kind: 'none' } | { kind: 'ambiguous' };

type SlugServices = Pick<AppServices, 'events' | 'clock' | 'projections' | 'reads' | 'registry'>;

/** The project's live task whose name has this slug (several: ambiguous, answered 409 as Healthchecks does). */
export async function taskBySlug(services: SlugServices, projectId: string, slug: string): Promise<SlugMatch> {
  const matches = (await listProjectTasks(services, projectId)).filter((t) => t.status !== 'PENDING_DELETE' && slugOf(t.name) === slug);
  if (matches.length > 1) return { kind: 'ambiguous' };
  if (matches.length === 0) return { kind: 'none' };
  return { kind: 'one', task: await loadLiveTask(services.events, projectId, matches[0].id) };
}

/**
 * `?create=1`: a task in external mode named after the slug. It is created DISABLED, on a daily
 * placeholder schedule, so it records every ping at once but raises no missed runs until someone gives
 * it its real schedule and enables it (Healthchecks' new checks expect a ping a day; nothing here can
 * know when this job runs).
 */
export async function createTaskForSlug(services: SlugServices, context: CommandContext, projectId: string, slug: string): Promise<Task> {
  const taskId = await createTask(
    services,
    context,
    projectId,
    {
      name: slug,
      description: 'Created by its first ping (?create=1)',
      scheduleType: 'RECURRING',
      scheduleConfig: { cron_expression: '0 0 * * *', timezone: 'UTC' },
      executionMode: 'external',
      taskGroupId: null,
      timeoutSeconds: null,
      metadata: null,
      startDeadlineSeconds: null,
      alertPolicy: null,
    },
    'DISABLED',
  );
  return loadLiveTask(services.events, projectId, taskId);
}
