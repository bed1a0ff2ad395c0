import type { PrincipalResolver, ProjectAccess } from './auth/principal';
import type { Config } from './config/config';
import type { UnknownEventCount } from './events/event-upcasting';
import type { Logger } from './logging/logger';
import type { MailTransport } from './mail/mail-transport';
import type { ProjectionRegistry } from './projections/projection-registry';
import type { DispatchSettings } from './process-managers/dispatcher/dispatch-settings';
import type { ThreadedProjections } from './projections/threaded-projections';
import type { EventStore } from './stores/events/event-store';
import type { ReadStore } from './stores/read/read-store';
import type { Clock } from './time/clock';

/** Everything a request handler or process manager may use, assembled once in server.ts. */
export interface AppServices {
  config: Config;
  clock: Clock;
  logger: Logger;
  /** The one way the server sends mail (alerts, invitations); null when SMTP_URL is unset. */
  mail: MailTransport | null;
  events: EventStore;
  reads: ReadStore;
  registry: ProjectionRegistry;
  projections: ThreadedProjections;
  principals: PrincipalResolver;
  access: ProjectAccess;
  /** Whether this instance currently leads (runs projections and process managers). */
  leadership: { readonly isLeader: boolean; readonly instanceId: string };
  /** Events this server's readers met that it could not bring to a current shape (unknown types, newer versions). */
  unknownEvents: () => UnknownEventCount[];
  /** Webhook dispatch tuning (tests shorten timeouts and backoff); defaults in dispatch-settings.ts. */
  dispatch?: Partial<DispatchSettings>;
}
