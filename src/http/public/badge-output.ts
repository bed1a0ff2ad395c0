import { makeBadge } from 'badge-maker';
import { BADGE_COLORS } from '../../queries/public/badge-state';
import type { BadgeSubject } from '../../queries/public/public-badges';

/** The Shields endpoint format (shields.io/badges/endpoint-badge): Shields renders it as a badge. */
export interface ShieldsEndpointResponse {
  schemaVersion: 1;
  label: string;
  message: 'up' | 'late' | 'down' | 'paused' | 'new';
  color: string;
  /** Shields' own cache time for this badge, in seconds (at least 300 there). */
  cacheSeconds: number;
}

/** Badges change with runs: caches (and GitHub's image proxy) may keep one this long. */
export const BADGE_MAX_AGE_SECONDS = 60;

export function shieldsEndpoint(subject: BadgeSubject): ShieldsEndpointResponse {
  return { schemaVersion: 1, label: subject.label, message: subject.state, color: BADGE_COLORS[subject.state], cacheSeconds: 300 };
}

/** The badge as SVG, drawn by badge-maker (which escapes the label: names are user text). */
export function badgeSvg(subject: BadgeSubject): string {
  return makeBadge({ label: subject.label, message: subject.state, color: BADGE_COLORS[subject.state] });
}
