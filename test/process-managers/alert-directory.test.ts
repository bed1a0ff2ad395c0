import { AlertDirectory } from '../../src/process-managers/alerts/alert-directory';
import { testEvent } from '../support/test-events';

const projectId = 'p1';
const at = '2026-03-01T10:00:00.000Z';

/** The directory folds raw recorded events, as stored (old histories included). */
function directoryOf(events: Array<[type: string, data: Record<string, unknown>]>): AlertDirectory {
  const directory = new AlertDirectory();
  events.forEach(([type, data], i) => directory.apply({ ...testEvent(type, data), streamId: `x-${i}`, revision: 0, position: i }));
  return directory;
}

const memberSet = (email: string, role: string): [string, Record<string, unknown>] => ['ProjectMemberSet', { projectId, email, role, at }];
const alertsSet = (email: string, alerts: boolean): [string, Record<string, unknown>] => ['ProjectMemberAlertsSet', { projectId, email, alerts, at }];
const history: Array<[string, Record<string, unknown>]> = [
  ['ProjectCreated', { projectId, name: 'Billing', description: null, executionEndpoint: null, timezone: 'UTC', createdBy: 'u1', createdAt: at }],
  ['ProjectUpdated', { projectId, changes: { alertEmails: ['ops@example.com'] }, updatedAt: at }],
  memberSet('ann@example.com', 'admin'),
  memberSet('bob@example.com', 'editor'),
  memberSet('val@example.com', 'viewer'),
];

describe('AlertDirectory recipients', () => {
  test('a history without alert choices mails alert_emails and the admins, as before', () => {
    expect(directoryOf(history).recipients(projectId)).toEqual(['ops@example.com', 'ann@example.com']);
  });

  test('mails exactly the opted-in members who are not disabled, plus alert_emails', () => {
    const directory = directoryOf([
      ...history,
      alertsSet('bob@example.com', true),
      alertsSet('val@example.com', true),
      alertsSet('ann@example.com', false),
      ['UserRegistered', { userId: 'u-val', email: 'Val@Example.com', name: 'Val', passwordHash: 'x', superAdmin: false, createdAt: at }],
      ['UserUpdated', { userId: 'u-val', changes: { disabled: true }, updatedAt: at }],
    ]);
    expect(directory.recipients(projectId)).toEqual(['ops@example.com', 'bob@example.com']);
  });

  test('a choice survives a role change and ends with the membership', () => {
    const directory = directoryOf([
      ...history,
      alertsSet('ann@example.com', false),
      memberSet('ann@example.com', 'editor'),
      memberSet('ann@example.com', 'admin'),
      alertsSet('bob@example.com', true),
      ['ProjectMemberRemoved', { projectId, email: 'bob@example.com', at }],
      memberSet('bob@example.com', 'editor'),
    ]);
    expect(directory.recipients(projectId)).toEqual(['ops@example.com']);
  });
});
