/**
 * The dashboard's quick search: projects and tasks by name, executions and tasks by exact id, among the
 * projects a person may read. Reads only the projects and tasks read models (one find each, over the
 * readable projects) and, for an id, one document of the history read model: never the history itself.
 * Names are matched as case-insensitive substrings in memory; the task list it filters is bounded by the
 * number of tasks of the readable projects.
 */
import type { ExecutionDoc } from '../projections/execution-read-model';
import { EXECUTIONS, HISTORY_PROJECTION } from '../projections/history-projection';
import type { TaskDoc } from '../projections/task-read-model';
import { TASKS, TASKS_PROJECTION } from '../projections/tasks-projection';
import { membershipsOf } from './memberships';
import { listProjects } from './projects';
import type { QueryServices } from './query-services';

export interface SearchHit {
  kind: 'project' | 'task' | 'execution';
  /** The id of what was found (the execution's id for an execution). */
  id: string;
  /** What a person reads: the project's or task's name, or the execution's task name. */
  name: string;
  project_id: string;
  project_name: string;
  /** The task (for a task or an execution), else null. */
  task_id: string | null;
  /** For an execution: its status and scheduled instant; else null. */
  status: string | null;
  scheduled_at: string | null;
}

export interface SearchResult {
  q: string;
  hits: SearchHit[];
  /** More names matched than `limit`. */
  truncated: boolean;
}

export interface Searcher {
  email: string;
  superAdmin: boolean;
}

export async function quickSearch(services: QueryServices, who: Searcher, q: string, limit: number): Promise<SearchResult> {
  const ids = who.superAdmin ? undefined : (await membershipsOf(services, who.email)).map((m) => m.projectId);
  const projects = await listProjects(services, ids);
  const byId = new Map(projects.map((p) => [p.id, p]));
  const needle = q.toLowerCase();
  const exact: SearchHit[] = [];

  const execution = await services.reads.get<ExecutionDoc>(services.registry.collection(HISTORY_PROJECTION, EXECUTIONS), q);
  const executionProject = execution && byId.get(execution.projectId);
  if (execution && executionProject) {
    exact.push({
      kind: 'execution',
      id: execution.id,
      name: execution.taskName,
      project_id: executionProject.id,
      project_name: executionProject.name,
      task_id: execution.taskId,
      status: execution.status,
      scheduled_at: execution.scheduledAt,
    });
  }

  const tasks =
    projects.length === 0
      ? []
      : (
          await services.reads.find<TaskDoc>(services.registry.collection(TASKS_PROJECTION, TASKS), {
            filter: { projectId: { $in: projects.map((p) => p.id) } },
            sort: [['name', 1]],
          })
        ).items.filter((t) => t.status !== 'PENDING_DELETE');
  const named: SearchHit[] = [];
  for (const project of projects) {
    if (project.id === q) exact.push(projectHit(project.id, project.name));
    else if (project.name.toLowerCase().includes(needle)) named.push(projectHit(project.id, project.name));
  }
  for (const task of tasks) {
    const project = byId.get(task.projectId)!;
    const hit: SearchHit = { kind: 'task', id: task.id, name: task.name, project_id: project.id, project_name: project.name, task_id: task.id, status: null, scheduled_at: null };
    if (task.id === q) exact.push(hit);
    else if (task.name.toLowerCase().includes(needle)) named.push(hit);
  }
  // Names that start with the query first, then the rest, each in name order.
  const starts = (h: SearchHit) => (h.name.toLowerCase().startsWith(needle) ? 0 : 1);
  named.sort((a, b) => starts(a) - starts(b) || a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  const hits = [...exact, ...named].slice(0, limit);
  return { q, hits, truncated: exact.length + named.length > limit };

  function projectHit(id: string, name: string): SearchHit {
    return { kind: 'project', id, name, project_id: id, project_name: name, task_id: null, status: null, scheduled_at: null };
  }
}
