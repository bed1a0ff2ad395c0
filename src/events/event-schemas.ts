import { FENCE_RAISED } from '../stores/events/fence-stream';
import type { AnyDomainEvent } from './index';
import { executionMissedV2 } from './upcasters/execution-missed-v2';
import type { Upcaster } from './upcasters/upcaster';

/**
 * Every event type's current schema version, and the upcasters that bring older stored versions to it
 * (CONTRIBUTING.md, "Evolving an event"). Written as a record of every type name, so the compiler
 * insists on each type exactly once. Commands write `version` (handle-command.ts); every event read
 * goes through the chain (event-upcasting.ts).
 */
export interface EventSchema {
  /** The version new events are written with. */
  version: number;
  /** `upcasters[n]` brings data of version n to n + 1; one for each n from 1 to version - 1. */
  upcasters?: Readonly<Record<number, Upcaster>>;
}

const V1: EventSchema = { version: 1 };

export const EVENT_SCHEMAS: Readonly<Record<AnyDomainEvent['type'] | typeof FENCE_RAISED, EventSchema>> = {
  ProjectCreated: V1,
  ProjectUpdated: V1,
  ProjectMemberSet: V1,
  ProjectMemberAlertsSet: V1,
  ProjectMemberRemoved: V1,
  ApiKeyCreated: V1,
  ApiKeyRevoked: V1,
  SigningSecretRotated: V1,
  PublicTokenRotated: V1,
  StatusPageConfigured: V1,
  ProjectPingKeyRotated: V1,
  ProjectDeleted: V1,
  ProjectTaskDeleted: V1,
  ApiKeyUsed: V1,
  TaskCreated: V1,
  TaskUpdated: V1,
  TaskStatusChanged: V1,
  TaskDeletionRequested: V1,
  TaskDeletionFailed: V1,
  TaskDeleted: V1,
  TaskPingUrlAssigned: V1,
  TaskGroupCreated: V1,
  TaskGroupUpdated: V1,
  TaskGroupStarted: V1,
  TaskGroupStopped: V1,
  TaskGroupDeleted: V1,
  ExecutionCreated: V1,
  ExecutionSkipped: V1,
  ExecutionQueued: V1,
  ExecutionReleased: V1,
  ExecutionStarted: V1,
  ExecutionSucceeded: V1,
  ExecutionFailed: V1,
  ExecutionCancelled: V1,
  ExecutionTimedOut: V1,
  ExecutionMissed: { version: 2, upcasters: { 1: executionMissedV2 } },
  ExecutionLateReportReceived: V1,
  ExecutionAttemptFailed: V1,
  ExecutionRetryStarted: V1,
  ExecutionStaleReportReceived: V1,
  ExecutionLogsAppended: V1,
  ExecutionDispatchAttempted: V1,
  ExecutionDispatched: V1,
  ExecutionDispatchFailed: V1,
  ExecutionDispatchOutcomeUnknown: V1,
  ExecutionDispatchAbandoned: V1,
  ExecutionClaimConfirmed: V1,
  ExecutionClaimLapsed: V1,
  UserRegistered: V1,
  UserInvited: V1,
  InvitationAccepted: V1,
  UserUpdated: V1,
  PasswordChanged: V1,
  UserSessionsRevoked: V1,
  UserLoggedIn: V1,
  UserLoggedOut: V1,
  NameReserved: V1,
  NameReleased: V1,
  TaskDeletionStarted: V1,
  DeletionStepCompleted: V1,
  DeletionStepFailed: V1,
  TaskDeletionAbandoned: V1,
  TaskDeletionCompleted: V1,
  ExecutionsPurged: V1,
  TaskPurgeRequested: V1,
  RetentionApplied: V1,
  TicksSkipped: V1,
  AlertIncidentOpened: V1,
  AlertIncidentResolved: V1,
  AlertSendIntended: V1,
  AlertSendRetrying: V1,
  AlertSent: V1,
  AlertSendFailed: V1,
  AlertNotSent: V1,
  AlertChannelSet: V1,
  AlertChannelRemoved: V1,
  CalendarSet: V1,
  CalendarRemoved: V1,
  MaintenanceWindowSet: V1,
  MaintenanceWindowRemoved: V1,
  [FENCE_RAISED]: V1,
};

/** The version a new event of this type is written with (1 for a type outside the catalogue). */
export function schemaVersionOf(type: string): number {
  return (EVENT_SCHEMAS as Record<string, EventSchema | undefined>)[type]?.version ?? 1;
}
