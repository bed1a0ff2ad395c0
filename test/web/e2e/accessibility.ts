/**
 * The dashboard's accessibility bar, checked in Chromium on every page the end-to-end suite opens: axe-core
 * (WCAG 2.0/2.1 A and AA rules plus its best practices) must find no violation of impact `serious` or
 * `critical`. A failure names each rule, its impact, its help text and the elements it found, so the
 * report is enough to fix it.
 */
import AxeBuilder from '@axe-core/playwright';
import type { Page } from 'playwright-core';

const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];
const BLOCKING = new Set(['serious', 'critical']);

export interface AccessibilityFinding {
  rule: string;
  impact: string;
  help: string;
  targets: string[];
}

/** Every serious or critical finding on the page as it is now (`name` labels the report). */
export async function accessibilityFindings(page: Page): Promise<AccessibilityFinding[]> {
  const results = await new AxeBuilder({ page }).withTags(TAGS).analyze();
  return results.violations
    .filter((violation) => BLOCKING.has(violation.impact ?? ''))
    .map((violation) => ({
      rule: violation.id,
      impact: violation.impact ?? '',
      help: violation.help,
      targets: violation.nodes.map((node) => node.target.join(' ')).slice(0, 10),
    }));
}

/** Fails with a readable report when axe finds a serious or critical violation on the page as it is now. */
export async function expectAccessible(page: Page, name: string): Promise<void> {
  const findings = await accessibilityFindings(page);
  if (findings.length === 0) return;
  const report = findings.map((f) => `- ${f.rule} (${f.impact}): ${f.help}\n    ${f.targets.join('\n    ')}`).join('\n');
  throw new Error(`axe-core found ${findings.length} serious or critical accessibility violation(s) on ${name} (${page.url()}):\n${report}`);
}
