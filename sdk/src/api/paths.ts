/**
 * The API the SDK is typed against: the paths generated from the server's OpenAPI spec
 * (src/generated/api.ts, rewritten by every build), plus the declared shapes of routes the SDK uses
 * that the spec does not have yet (`PendingPaths`). As soon as the spec has one of those paths, the
 * generated definition replaces the pending one (`Omit<PendingPaths, keyof paths>`), and the SDK's
 * calls are checked against the real route: if they disagree, the SDK's build breaks.
 */
import type { components, operations, paths } from '../generated/api';

export type Schemas = components['schemas'];

export type ErrorBody = Schemas['ErrorBody'];
export type Project = Schemas['ProjectResponse'];
export type CreatedProject = Schemas['CreatedProjectResponse'];
export type CreateProjectBody = Schemas['CreateProjectBody'];
export type UpdateProjectBody = Schemas['UpdateProjectBody'];
export type Task = Schemas['TaskResponse'];
export type TaskPage = Schemas['TaskPage'];
export type CreateTaskBody = Schemas['CreateTaskBody'];
export type UpdateTaskBody = Schemas['UpdateTaskBody'];
export type ScheduleConfig = Schemas['ScheduleConfigBody'];
export type TaskGroup = Schemas['TaskGroupResponse'];
export type CreateTaskGroupBody = Schemas['CreateTaskGroupBody'];
export type UpdateTaskGroupBody = Schemas['UpdateTaskGroupBody'];
export type Execution = Schemas['ExecutionResponse'];
export type ExecutionStatus = Schemas['ExecutionStatus'];
export type ExecutionsPage = Schemas['ExecutionsPage'];
export type LogLine = Schemas['LogLineResponse'];
export type LogLinesPage = Schemas['LogLinesResponse'];
export type LogLineBody = Schemas['LogLineBody'];
export type FinishReportBody = Schemas['FinishReportBody'];
export type AuditPage = Schemas['AuditPageResponse'];
export type ProjectAuditPage = Schemas['ProjectAuditPageResponse'];
export type TriggerResponse = Schemas['TriggerResponse'];
export type LoginResponse = Schemas['LoginResponse'];
export type Me = Schemas['MeResponse'];

export type ClaimBody = Schemas['ClaimBody'];
export type ClaimedExecution = Schemas['ClaimedExecutionResponse'];
export type ClaimResponse = Schemas['ClaimResponse'];
export type RunStarted = Schemas['RunStartedResponse'];
export type ExecutionStatsResponse = Schemas['ExecutionStatsResponse'];
export type FailedStatsResponse = Schemas['FailedStatsResponse'];
export type FailuresOfDayResponse = Schemas['FailuresOfDayResponse'];
export type StatsRange = Schemas['StatsRange'];
export type CalendarMonth = Schemas['CalendarMonth'];
export type ExecutionHistoryPage = Schemas['ExecutionHistoryPage'];
export type Operations = operations;

// ---- Routes the SDK uses that the spec does not describe yet ------------------------------------
// Declare such a route here in the generated shape (see git history for examples: the claim, runs and
// stats routes were declared here until the server's spec had them). Once the spec has the path, the
// generated definition wins and the SDK's calls are checked against it.

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface PendingPaths {}

/** The generated paths, and the pending ones the spec does not have yet. */
export type ApiPaths = paths & Omit<PendingPaths, keyof paths>;
