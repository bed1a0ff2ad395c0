import { parse } from 'yaml';
import type { CreateTaskGroupBody, ScheduleConfig } from '../api/paths';

/** A task as a tasks file declares it (API field names; `group` by name; `schedule` + `timezone` shorthand). */
export interface TaskDeclaration {
  name: string;
  description?: string | null;
  schedule_type?: 'RECURRING' | 'ONEOFF';
  /** Shorthand for `schedule_config.cron_expression`. */
  schedule?: string;
  /** Shorthand for `schedule_config.timezone` (default UTC). */
  timezone?: string;
  schedule_config?: ScheduleConfig;
  group?: string | null;
  status?: 'ACTIVE' | 'DISABLED';
  timeout_seconds?: number | null;
  start_deadline_seconds?: number | null;
  execution_mode?: 'push' | 'pull' | 'external';
  metadata?: Record<string, unknown> | null;
  alert_policy?: Record<string, unknown> | null;
  /** Lowercase slugs (the server checks them). */
  tags?: string[] | null;
  /** Duration and lateness alerts (`max_run_seconds`, `slower_than_p95_factor`, `p95_window_runs`, `max_start_delay_seconds`). */
  duration_alerts?: Record<string, number | null> | null;
  /** `allow`, `forbid`, `replace` or `queue`; left out: the group's, then the project's. */
  overlap_policy?: OverlapMode | null;
  /** With `queue` only (default 1). */
  max_queued?: number | null;
  max_concurrent?: number | null;
  /** The project calendar to `skip` or run `only` on: `{calendar_id, mode}`. */
  calendar?: { calendar_id: string; mode: 'skip' | 'only' } | null;
  /** Retries (`max_attempts`, `backoff`, `delay_seconds`, `max_delay_seconds`, `jitter`, `on`, `alert`); null: one attempt. */
  retry?: Record<string, unknown> | null;
}

export type OverlapMode = 'allow' | 'forbid' | 'replace' | 'queue';
const OVERLAP_KEYS = ['overlap_policy', 'max_queued', 'max_concurrent'];

export type GroupDeclaration = Omit<CreateTaskGroupBody, 'project_id'>;

export interface TasksFile {
  /** Project name or id; a command-line `--project` wins. */
  project?: string;
  groups: GroupDeclaration[];
  tasks: TaskDeclaration[];
}

const FILE_KEYS = ['project', 'groups', 'tasks'];
const GROUP_KEYS = ['name', 'description', 'status', 'start_time', 'end_time', 'timezone', ...OVERLAP_KEYS, 'calendar'];
const TASK_KEYS = [
  'name',
  'description',
  'schedule_type',
  'schedule',
  'timezone',
  'schedule_config',
  'group',
  'status',
  'timeout_seconds',
  'start_deadline_seconds',
  'execution_mode',
  'metadata',
  'alert_policy',
  'tags',
  'duration_alerts',
  ...OVERLAP_KEYS,
  'calendar',
  'retry',
];

export class TasksFileError extends Error {
  override readonly name = 'TasksFileError';
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`${source}: ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Parses and checks a tasks file (YAML or JSON); every problem at once. */
export function parseTasksFile(text: string, source = 'tasks file'): TasksFile {
  let doc: unknown;
  try {
    doc = parse(text) ?? {};
  } catch (error) {
    throw new TasksFileError(source, [error instanceof Error ? error.message : String(error)]);
  }
  const problems: string[] = [];
  if (!isObject(doc)) throw new TasksFileError(source, ['the file must be a mapping with `groups` and `tasks`']);
  unknownKeys(doc, FILE_KEYS, '', problems);
  if (doc.project !== undefined && typeof doc.project !== 'string') problems.push('project: must be a name or an id');
  const groups = list(doc.groups, 'groups', problems);
  const tasks = list(doc.tasks, 'tasks', problems);

  const groupNames = new Set<string>();
  groups.forEach((group, i) => {
    const at = `groups[${i}]`;
    if (!isObject(group)) return problems.push(`${at}: must be a mapping`);
    unknownKeys(group, GROUP_KEYS, `${at}.`, problems);
    if (typeof group.name !== 'string' || group.name.trim() === '') return problems.push(`${at}.name: required`);
    const key = group.name.trim().toLowerCase();
    if (groupNames.has(key)) problems.push(`${at}.name: "${group.name}" is declared twice`);
    groupNames.add(key);
  });

  const taskNames = new Set<string>();
  tasks.forEach((task, i) => {
    const at = `tasks[${i}]`;
    if (!isObject(task)) return problems.push(`${at}: must be a mapping`);
    unknownKeys(task, TASK_KEYS, `${at}.`, problems);
    if (typeof task.name !== 'string' || task.name.trim() === '') return problems.push(`${at}.name: required`);
    const named = `${at} (${task.name})`;
    const key = task.name.trim().toLowerCase();
    if (taskNames.has(key)) problems.push(`${named}.name: "${task.name}" is declared twice`);
    taskNames.add(key);
    if (task.schedule_config !== undefined && (task.schedule !== undefined || task.timezone !== undefined)) {
      problems.push(`${named}: give either schedule_config or the schedule/timezone shorthand, not both`);
    }
    if (task.schedule_config === undefined && task.schedule === undefined) problems.push(`${named}: schedule or schedule_config required`);
    if (task.schedule_config !== undefined && !isObject(task.schedule_config)) problems.push(`${named}.schedule_config: must be a mapping`);
    if (task.group !== undefined && task.group !== null) {
      if (typeof task.group !== 'string') problems.push(`${named}.group: must be a group name`);
      else if (!groupNames.has(task.group.trim().toLowerCase())) problems.push(`${named}.group: "${task.group}" is not declared under groups`);
    }
  });
  if (problems.length > 0) throw new TasksFileError(source, problems);
  return { project: doc.project as string | undefined, groups: groups as GroupDeclaration[], tasks: tasks as TaskDeclaration[] };
}

/** The schedule_config a declaration states (the shorthand expanded). */
export function scheduleConfigOf(task: TaskDeclaration): ScheduleConfig {
  if (task.schedule_config) return task.schedule_config;
  return { cron_expression: task.schedule, timezone: task.timezone ?? 'UTC' };
}

function list(value: unknown, at: string, problems: string[]): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    problems.push(`${at}: must be a list`);
    return [];
  }
  return value;
}

function unknownKeys(value: Record<string, unknown>, known: string[], at: string, problems: string[]): void {
  for (const key of Object.keys(value)) if (!known.includes(key)) problems.push(`${at}${key}: unknown field (known: ${known.join(', ')})`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
