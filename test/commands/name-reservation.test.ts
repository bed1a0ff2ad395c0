import {
  projectNameDecider,
  taskNameDecider,
  userEmailDecider,
} from '../../src/commands/name-reservation/name-reservation-decider';
import { ConflictError } from '../../src/errors/app-error';
import type { NameReservationEvent } from '../../src/events/name-reservation-events';
import { given } from '../support/given-when-then';

const reservedByA: NameReservationEvent = { type: 'NameReserved', data: { ownerId: 'a', name: 'Billing' } };
const releasedByA: NameReservationEvent = { type: 'NameReleased', data: { ownerId: 'a' } };

describe('name reservation', () => {
  test('a free name is reserved', () => {
    given(projectNameDecider)
      .when({ type: 'ReserveName', ownerId: 'a', name: 'Billing' })
      .then([reservedByA]);
  });

  test('a name held by another owner is refused with 409', () => {
    given(projectNameDecider, [reservedByA])
      .when({ type: 'ReserveName', ownerId: 'b', name: 'billing' })
      .thenThrows(ConflictError, /project named "billing" already exists.*choose another name/);
  });

  test('re-reserving by the same owner is a no-op', () => {
    given(projectNameDecider, [reservedByA]).when({ type: 'ReserveName', ownerId: 'a', name: 'Billing' }).thenNothing();
  });

  test('a released name can be reserved again, by anyone', () => {
    given(projectNameDecider, [reservedByA, releasedByA])
      .when({ type: 'ReserveName', ownerId: 'b', name: 'billing' })
      .then([{ type: 'NameReserved', data: { ownerId: 'b', name: 'billing' } }]);
  });

  test('the holder releases its name', () => {
    given(projectNameDecider, [reservedByA]).when({ type: 'ReleaseName', ownerId: 'a' }).then([releasedByA]);
  });

  test('releasing a name one does not hold is a no-op (a compensation may run twice)', () => {
    given(projectNameDecider, [reservedByA]).when({ type: 'ReleaseName', ownerId: 'b' }).thenNothing();
    given(projectNameDecider).when({ type: 'ReleaseName', ownerId: 'a' }).thenNothing();
    given(projectNameDecider, [reservedByA, releasedByA]).when({ type: 'ReleaseName', ownerId: 'a' }).thenNothing();
  });

  test('task names and emails say what is taken', () => {
    given(taskNameDecider, [reservedByA])
      .when({ type: 'ReserveName', ownerId: 'b', name: 'Billing' })
      .thenThrows(ConflictError, /already has a task named "Billing"/);
    given(userEmailDecider, [{ type: 'NameReserved', data: { ownerId: 'a', name: 'ann@example.com' } }])
      .when({ type: 'ReserveName', ownerId: 'b', name: 'ann@example.com' })
      .thenThrows(ConflictError, /account with the email ann@example.com already exists/);
  });
});
