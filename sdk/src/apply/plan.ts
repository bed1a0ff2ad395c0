import type { CreateTaskBody, CreateTaskGroupBody, Task, TaskGroup } from '../api/paths';
import type { ManagementClient } from '../management';
import { type GroupDeclaration, scheduleConfigOf, type TaskDeclaration, type TasksFile } from './tasks-file';

export interface FieldChange {
  field: string;
  from: unknown;
  to: unknown;
}

export type Change =
  | { action: 'create'; kind: 'group'; name: string; fields: FieldChange[]; declaration: GroupDeclaration }
  | { action: 'update'; kind: 'group'; name: string; id: string; fields: FieldChange[]; declaration: GroupDeclaration }
  | { action: 'delete'; kind: 'group'; name: string; id: string; fields: FieldChange[] }
  | { action: 'create'; kind: 'task'; name: string; fields: FieldChange[]; declaration: TaskDeclaration }
  | { action: 'update'; kind: 'task'; name: string; id: string; fields: FieldChange[]; declaration: TaskDeclaration; current: Task }
  | { action: 'delete'; kind: 'task'; name: string; id: string; fields: FieldChange[] };

export interface Plan {
  projectId: string;
  projectName: string;
  changes: Change[];
  unchanged: { kind: 'group' | 'task'; name: string }[];
  /** On the server, not in the file, and kept (no --prune). */
  untracked: { kind: 'group' | 'task'; name: string }[];
}

/**
 * What it takes to make the project match the file: groups and tasks created or updated by name
 * (case-insensitively), and with `prune` the ones not in the file deleted. Fields a file leaves out
 * are cleared, except `status` and `execution_mode`, which keep the server's value when left out.
 */
export async function planApply(client: ManagementClient, projectId: string, file: TasksFile, options: { prune?: boolean } = {}): Promise<Plan> {
  const project = await client.projects.get(projectId);
  const [groups, tasks] = await Promise.all([client.groups.list(projectId), client.tasks.list(projectId)]);
  const liveTasks = tasks.filter((t) => t.status === 'ACTIVE' || t.status === 'DISABLED');
  const groupNameById = new Map(groups.map((g) => [g.id, g.name]));
  const plan: Plan = { projectId, projectName: project.name, changes: [], unchanged: [], untracked: [] };

  const groupByName = new Map(groups.map((g) => [key(g.name), g]));
  for (const declaration of file.groups) {
    const current = groupByName.get(key(declaration.name));
    const desired = groupView(declaration);
    if (!current) {
      plan.changes.push({ action: 'create', kind: 'group', name: declaration.name, fields: diff({}, desired), declaration });
      continue;
    }
    const fields = diff(groupView(current, true), desired, (field) => field !== 'status' || declaration.status !== undefined);
    if (fields.length === 0) plan.unchanged.push({ kind: 'group', name: current.name });
    else plan.changes.push({ action: 'update', kind: 'group', name: current.name, id: current.id, fields, declaration });
  }

  const taskByName = new Map(liveTasks.map((t) => [key(t.name), t]));
  for (const declaration of file.tasks) {
    const current = taskByName.get(key(declaration.name));
    const desired = taskView(declaration);
    if (!current) {
      plan.changes.push({ action: 'create', kind: 'task', name: declaration.name, fields: diff({}, desired), declaration });
      continue;
    }
    const kept = (field: string) => (field !== 'status' || declaration.status !== undefined) && (field !== 'execution_mode' || declaration.execution_mode !== undefined);
    const fields = diff(currentTaskView(current, groupNameById), desired, (field) => kept(field.split('.')[0]!));
    if (fields.length === 0) plan.unchanged.push({ kind: 'task', name: current.name });
    else plan.changes.push({ action: 'update', kind: 'task', name: current.name, id: current.id, fields, declaration, current });
  }

  const declaredTasks = new Set(file.tasks.map((t) => key(t.name)));
  for (const task of liveTasks.filter((t) => !declaredTasks.has(key(t.name)))) {
    if (options.prune) plan.changes.push({ action: 'delete', kind: 'task', name: task.name, id: task.id, fields: [] });
    else plan.untracked.push({ kind: 'task', name: task.name });
  }
  const declaredGroups = new Set(file.groups.map((g) => key(g.name)));
  for (const group of groups.filter((g) => !declaredGroups.has(key(g.name)))) {
    if (options.prune) plan.changes.push({ action: 'delete', kind: 'group', name: group.name, id: group.id, fields: [] });
    else plan.untracked.push({ kind: 'group', name: group.name });
  }
  return plan;
}

/** Carries out a plan: groups first (tasks may name new ones), then tasks, then deletions. */
export async function applyPlan(client: ManagementClient, plan: Plan, onChange?: (change: Change) => void): Promise<void> {
  const projectId = plan.projectId;
  const groupIds = new Map((await client.groups.list(projectId)).map((g) => [key(g.name), g.id]));
  for (const change of plan.changes) {
    if (change.kind !== 'group' || change.action === 'delete') continue;
    const body = groupBody(change.declaration);
    const group: TaskGroup =
      change.action === 'create' ? await client.groups.create(projectId, body) : await client.groups.update(projectId, change.id, body);
    groupIds.set(key(group.name), group.id);
    onChange?.(change);
  }
  for (const change of plan.changes) {
    if (change.kind !== 'task' || change.action === 'delete') continue;
    const body = taskBody(change.declaration, groupIds);
    if (change.action === 'create') await client.tasks.create(projectId, body);
    else {
      await client.tasks.update(projectId, change.id, {
        ...body,
        status: body.status ?? (change.current.status === 'DISABLED' ? 'DISABLED' : 'ACTIVE'),
        execution_mode: body.execution_mode ?? change.current.execution_mode,
      });
    }
    onChange?.(change);
  }
  for (const change of plan.changes) {
    if (change.action !== 'delete') continue;
    if (change.kind === 'task') await client.tasks.delete(projectId, change.id);
    else await client.groups.delete(projectId, change.id, 'detach');
    onChange?.(change);
  }
}

/** The plan as people read it: `+` create, `~` update (field by field), `-` delete. */
export function formatPlan(plan: Plan, options: { dryRun?: boolean } = {}): string {
  const lines = [`Project ${plan.projectName} (${plan.projectId})`];
  const sign = { create: '+', update: '~', delete: '-' } as const;
  for (const change of plan.changes) {
    lines.push(`${sign[change.action]} ${change.kind} ${change.name}`);
    if (change.action === 'update') for (const f of change.fields) lines.push(`    ${f.field}: ${show(f.from)} → ${show(f.to)}`);
    if (change.action === 'create') for (const f of change.fields) lines.push(`    ${f.field}: ${show(f.to)}`);
  }
  for (const item of plan.untracked) lines.push(`? ${item.kind} ${item.name} is not in the file (kept; --prune deletes it)`);
  const count = (action: string) => plan.changes.filter((c) => c.action === action).length;
  if (plan.changes.length === 0) {
    lines.push(`No changes: ${plan.unchanged.length} declared item${plan.unchanged.length === 1 ? '' : 's'} already match.`);
  } else {
    const [create, update, remove] = [count('create'), count('update'), count('delete')];
    lines.push(
      options.dryRun
        ? `Plan (dry run, nothing changed): ${create} to create, ${update} to update, ${remove} to delete, ${plan.unchanged.length} unchanged.`
        : `Applied: ${create} created, ${update} updated, ${remove} deleted, ${plan.unchanged.length} unchanged.`,
    );
  }
  return lines.join('\n');
}

// Request bodies are built field by field (no spreads), so a field the spec drops breaks the SDK's build.
function groupBody(declaration: GroupDeclaration): CreateTaskGroupBody {
  const body: CreateTaskGroupBody = {
    name: declaration.name.trim(),
    description: declaration.description ?? null,
    start_time: declaration.start_time ?? null,
    end_time: declaration.end_time ?? null,
    timezone: declaration.timezone ?? 'UTC',
    overlap_policy: declaration.overlap_policy ?? null,
    max_queued: declaration.max_queued ?? null,
    max_concurrent: declaration.max_concurrent ?? null,
    calendar: declaration.calendar ?? null,
  };
  if (declaration.status) body.status = declaration.status;
  return body;
}

function taskBody(declaration: TaskDeclaration, groupIds: Map<string, string>): CreateTaskBody {
  const groupId = declaration.group ? groupIds.get(key(declaration.group)) : null;
  if (declaration.group && !groupId) throw new Error(`task ${declaration.name}: group "${declaration.group}" does not exist`);
  const body: CreateTaskBody = {
    name: declaration.name.trim(),
    description: declaration.description ?? null,
    schedule_type: declaration.schedule_type ?? 'RECURRING',
    schedule_config: scheduleConfigOf(declaration),
    task_group_id: groupId ?? null,
    timeout_seconds: declaration.timeout_seconds ?? null,
    start_deadline_seconds: declaration.start_deadline_seconds ?? null,
    metadata: declaration.metadata ?? null,
    alert_policy: (declaration.alert_policy ?? null) as CreateTaskBody['alert_policy'],
    tags: declaration.tags ?? [],
    duration_alerts: (declaration.duration_alerts ?? null) as CreateTaskBody['duration_alerts'],
    overlap_policy: declaration.overlap_policy ?? null,
    max_queued: declaration.max_queued ?? null,
    max_concurrent: declaration.max_concurrent ?? null,
    calendar: declaration.calendar ?? null,
    retry: (declaration.retry ?? null) as CreateTaskBody['retry'],
  };
  if (declaration.status) body.status = declaration.status;
  if (declaration.execution_mode) body.execution_mode = declaration.execution_mode;
  return body;
}

type View = Record<string, unknown>;

function groupView(group: GroupDeclaration | TaskGroup, fromServer = false): View {
  return normalize({
    description: group.description ?? null,
    status: group.status ?? (fromServer ? undefined : 'ACTIVE'),
    start_time: group.start_time ?? null,
    end_time: group.end_time ?? null,
    timezone: group.timezone ?? 'UTC',
    ...declaredOverlap(group),
    calendar: group.calendar ?? null,
  }) as View;
}

function taskView(task: TaskDeclaration): View {
  return normalize({
    description: task.description ?? null,
    schedule_type: task.schedule_type ?? 'RECURRING',
    schedule_config: scheduleConfigOf(task),
    group: task.group ?? null,
    status: task.status,
    timeout_seconds: task.timeout_seconds ?? null,
    start_deadline_seconds: task.start_deadline_seconds ?? null,
    execution_mode: task.execution_mode,
    metadata: task.metadata ?? null,
    alert_policy: task.alert_policy ?? null,
    tags: task.tags ?? [],
    duration_alerts: declaredDurationAlerts(task.duration_alerts),
    ...declaredOverlap(task),
    calendar: task.calendar ?? null,
    retry: declaredRetry(task.retry),
  }) as View;
}

function currentTaskView(task: Task, groupNames: Map<string, string>): View {
  return normalize({
    description: task.description,
    schedule_type: task.schedule_type,
    schedule_config: task.schedule_config,
    group: task.task_group_id ? (groupNames.get(task.task_group_id) ?? task.task_group_id) : null,
    status: task.status,
    timeout_seconds: task.timeout_seconds,
    start_deadline_seconds: task.start_deadline_seconds,
    execution_mode: task.execution_mode,
    metadata: task.metadata,
    alert_policy: task.alert_policy,
    tags: task.tags,
    duration_alerts: task.duration_alerts,
    overlap_policy: task.overlap_policy,
    max_queued: task.max_queued,
    max_concurrent: task.max_concurrent,
    calendar: task.calendar,
    retry: task.retry,
  }) as View;
}

/**
 * Values compared as the server stores them: null, undefined, "" and empty lists are "absent";
 * lists of scalars are a sorted set; group names compare case-insensitively.
 */
function normalize(value: unknown): unknown {
  if (value === null || value === undefined || value === '') return undefined;
  if (Array.isArray(value)) {
    const items = value.map(normalize).filter((v) => v !== undefined);
    if (items.length === 0) return undefined;
    return items.every((v) => typeof v !== 'object') ? [...new Set(items)].sort() : items;
  }
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value as object).sort()) {
      const v = normalize((value as Record<string, unknown>)[k]);
      if (v !== undefined) out[k] = v;
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
  return value;
}

/** Field-level differences between two normalized views (nested objects as dotted paths). */
function diff(from: View, to: View, include: (field: string) => boolean = () => true, prefix = ''): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const field of [...new Set([...Object.keys(from), ...Object.keys(to)])].sort()) {
    const path = prefix + field;
    if (!include(path)) continue;
    const a = from[field];
    const b = to[field];
    if ((isPlainObject(a) || a === undefined) && (isPlainObject(b) || b === undefined) && (a !== undefined || b !== undefined)) {
      changes.push(...diff((a ?? {}) as View, (b ?? {}) as View, include, `${path}.`));
    }
    else if (!sameValue(a, b, field)) changes.push({ field: path, from: a ?? null, to: b ?? null });
  }
  return changes;
}

function sameValue(a: unknown, b: unknown, field: string): boolean {
  if (field === 'group' && typeof a === 'string' && typeof b === 'string') return key(a) === key(b);
  return JSON.stringify(a) === JSON.stringify(b);
}

function isPlainObject(value: unknown): value is View {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function show(value: unknown): string {
  return value === null || value === undefined ? '(none)' : JSON.stringify(value);
}

const key = (name: string) => name.trim().toLowerCase();

/** As the server stores them: `max_queued` only with `queue`, where it defaults to 1. */
function declaredOverlap(declared: Pick<TaskDeclaration, 'overlap_policy' | 'max_queued' | 'max_concurrent'>): View {
  const policy = declared.overlap_policy ?? null;
  return {
    overlap_policy: policy,
    max_queued: policy === 'queue' ? (declared.max_queued ?? 1) : (declared.max_queued ?? null),
    max_concurrent: declared.max_concurrent ?? null,
  };
}

/** As the server stores them: no threshold set means none, and the p95 window defaults to 20 runs. */
function declaredDurationAlerts(alerts: TaskDeclaration['duration_alerts']): Record<string, number | null> | null {
  if (!alerts) return null;
  const thresholds = {
    max_run_seconds: alerts.max_run_seconds ?? null,
    slower_than_p95_factor: alerts.slower_than_p95_factor ?? null,
    p95_window_runs: alerts.p95_window_runs ?? 20,
    max_start_delay_seconds: alerts.max_start_delay_seconds ?? null,
  };
  const anyOn = thresholds.max_run_seconds !== null || thresholds.slower_than_p95_factor !== null || thresholds.max_start_delay_seconds !== null;
  return anyOn ? thresholds : null;
}

/** As the server stores a retry policy: its defaults filled in (README "Retries"). */
function declaredRetry(retry: TaskDeclaration['retry']): Record<string, unknown> | null {
  if (!retry) return null;
  return {
    backoff: 'exponential',
    max_delay_seconds: null,
    jitter: false,
    on: ['FAILED', 'TIMED_OUT'],
    alert: 'exhausted',
    ...retry,
  };
}
