import { createHash } from 'node:crypto';
import { NotFoundError } from '../errors/app-error';
import { idInMessage, isWellFormedId } from '../errors/ids';

/**
 * Stream names, built in one place so nobody formats them by hand. Categories never contain `-`
 * (DESIGN.md), so `<category>-` is also the prefix to filter `$all` by.
 */
export const STREAM_CATEGORIES = {
  project: 'project',
  task: 'task',
  taskGroup: 'taskgroup',
  execution: 'execution',
  executionLog: 'executionlog',
  user: 'user',
  projectName: 'projectname',
  taskName: 'taskname',
  userEmail: 'useremail',
  apiKeyUsage: 'apikeyusage',
  pingUrl: 'pingurl',
  pingKey: 'pingkey',
  pingRun: 'pingrun',
} as const;

export type StreamCategory = (typeof STREAM_CATEGORIES)[keyof typeof STREAM_CATEGORIES];

/** `task-` and not `task`: a bare category would also match `taskgroup-…` and `taskname-…`. */
export function streamPrefix(category: StreamCategory): string {
  return `${category}-`;
}

/**
 * The one check of an id before it becomes part of a stream name. An id that could never name a
 * stream (too long, a control character, a slash …) is simply an id nothing has: it answers the same
 * 404 as an unknown id, naming the resource, and never our stream naming.
 */
export function streamOf(category: string, resource: string, id: string): string {
  if (!isWellFormedId(id)) throw new NotFoundError(`${resource} ${idInMessage(id)} does not exist`);
  return `${category}-${id}`;
}

const RESOURCE_OF_CATEGORY: Record<string, string> = {
  [STREAM_CATEGORIES.project]: 'Project',
  [STREAM_CATEGORIES.task]: 'Task',
  [STREAM_CATEGORIES.taskGroup]: 'Task group',
  [STREAM_CATEGORIES.execution]: 'Execution',
  [STREAM_CATEGORIES.executionLog]: 'Execution',
  [STREAM_CATEGORIES.user]: 'User',
  [STREAM_CATEGORIES.apiKeyUsage]: 'API key',
};

/** What a stream holds, as an answer may name it ("Task 3f2…"), never the stream's own name. */
export function resourceOfStream(stream: string): string {
  const dash = stream.indexOf('-');
  const resource = RESOURCE_OF_CATEGORY[stream.slice(0, dash)];
  return resource ? `${resource} ${idInMessage(stream.slice(dash + 1))}` : 'This resource';
}

export const projectStream = (projectId: string): string => streamOf(STREAM_CATEGORIES.project, 'Project', projectId);
export const taskStream = (taskId: string): string => streamOf(STREAM_CATEGORIES.task, 'Task', taskId);
export const taskGroupStream = (groupId: string): string => streamOf(STREAM_CATEGORIES.taskGroup, 'Task group', groupId);
export const executionStream = (executionId: string): string => streamOf(STREAM_CATEGORIES.execution, 'Execution', executionId);
export const executionLogStream = (executionId: string): string => streamOf(STREAM_CATEGORIES.executionLog, 'Execution', executionId);
export const userStream = (userId: string): string => streamOf(STREAM_CATEGORIES.user, 'User', userId);
/** Uses of one project API key (ApiKeyUsed), apart from the project's stream so they never contend with it. */
export const apiKeyUsageStream = (keyId: string): string => streamOf(STREAM_CATEGORIES.apiKeyUsage, 'API key', keyId);

/**
 * The key two names collide on: trimmed, Unicode-normalised (NFC, so "é" typed two ways is one name)
 * and lowercased. Hashed into the stream name so any name fits the stream-name alphabet and length.
 */
export function nameKey(name: string): string {
  return createHash('sha256').update(name.trim().normalize('NFC').toLowerCase()).digest('hex');
}

/** Reservation of a project name, unique across the installation, case-insensitively. */
export const projectNameStream = (name: string): string => `${STREAM_CATEGORIES.projectName}-${nameKey(name)}`;

/** Reservation of a task name, unique within its project (executors route by task name). */
export const taskNameStream = (projectId: string, name: string): string =>
  `${streamOf(STREAM_CATEGORIES.taskName, 'Project', projectId)}_${nameKey(name)}`;

/** Reservation of an account's email, so two accounts can never share one. */
export const userEmailStream = (email: string): string => `${STREAM_CATEGORIES.userEmail}-${nameKey(email)}`;

/** Which task a ping URL's id belongs to (a reservation, so a ping finds its task without a read model). */
export const pingUrlStream = (pingId: string): string => `${STREAM_CATEGORIES.pingUrl}-${nameKey(pingId)}`;

/** Which project a ping key belongs to (slug ping URLs). */
export const pingKeyStream = (pingKey: string): string => `${STREAM_CATEGORIES.pingKey}-${nameKey(pingKey)}`;

/** The execution a ping run id (`?rid=`) started, per task. */
export const pingRunStream = (taskId: string, rid: string): string =>
  `${streamOf(STREAM_CATEGORIES.pingRun, 'Task', taskId)}_${nameKey(rid.toLowerCase())}`;
