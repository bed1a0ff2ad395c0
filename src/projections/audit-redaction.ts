import { maskUrlsIn } from '../config/mask-url';

/**
 * Fields that hold credentials or what verifies them (`secret`, `hash`, `passwordHash`, `tokenHash`, …):
 * an audit trail shows that they changed, not their value. Names ending so, not merely containing the
 * word (`previousSecretValidUntil` is a date). A ping URL's id and a project's ping key are credentials
 * too, and an alert channel's `channelUrl` and `routingKey` as a whole. Credentials inside URLs (an execution endpoint, a webhook
 * among an alert's recipients, a URL quoted in a failure) are masked wherever they appear. Every audit
 * answer goes through here, and the project audit read model stores data only after it.
 */
const SECRET_FIELD = /(secret|hash|password|token|pingKey|pingId|routingKey|channelUrl)$/i;

export function redactSecrets(value: unknown): unknown {
  if (typeof value === 'string') return maskUrlsIn(value);
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, field]) => [key, SECRET_FIELD.test(key) && field !== null ? '[redacted]' : redactSecrets(field)]),
  );
}
