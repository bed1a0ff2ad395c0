/**
 * How one delivery attempt (a dispatch, an alert by mail or webhook) ended, as a stable class. Everyone
 * who may read the project sees the class; the details beside it (error text, HTTP status, duration)
 * name hosts, ports and network behaviour, and are shown to editors and admins only.
 */
export type DeliveryOutcome =
  /** Delivered (2xx, or the mail server accepted it). */
  | 'ok'
  /** The receiver answered with a status other than 2xx (redirects included: they are never followed). */
  | 'http_error'
  /** The mail server refused the message or its recipients. */
  | 'mail_error'
  /** No answer: refused, name not resolved, unreachable, reset, TLS failure. */
  | 'network_error'
  | 'timeout'
  /** The address is refused by the outbound policy: no connection was made. */
  | 'refused_by_policy'
  /** Nothing to send with (no signing secret, no URL). */
  | 'not_configured'
  /** The server stopped while the request was in flight. */
  | 'unknown';

export type FailedDeliveryOutcome = Exclude<DeliveryOutcome, 'ok' | 'unknown'>;
