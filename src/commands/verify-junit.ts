// `tsbpf verify --reporter junit`: JUnit XML, one test suite per file and one test case per
// program: a rejection is a failure (its log as the body), a program the model cannot decide
// is skipped.

import type { VerifyRecord } from './verify.js';
import { formatSource } from './verify.js';

function escapeXml(s: string): string {
  // Characters XML 1.0 cannot carry at all are dropped; the five specials are escaped.
  // eslint-disable-next-line no-control-regex
  return s.replace(/[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd]/gu, '')
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

function testCase(r: VerifyRecord): string {
  const attrs = [`classname="${escapeXml(r.file)}"`, `name="${escapeXml(r.name)}"`];
  if (r.source !== null) attrs.push(`file="${escapeXml(r.source.file)}"`, `line="${r.source.line}"`);
  const open = `    <testcase ${attrs.join(' ')}`;
  if (r.accepted === true) return `${open}/>`;
  if (r.accepted === null) return `${open}>\n      <skipped message="${escapeXml(`not modelled yet: ${r.notModelled ?? ''}`)}"/>\n    </testcase>`;
  const where = r.source === null ? '' : ` (${formatSource(r.source)})`;
  const message = `${r.errno ?? '?'}${r.error?.insn === null || r.error === null ? '' : ` at insn ${r.error.insn}`}${where}: ${r.error?.message ?? ''}`;
  return `${open}>\n      <failure type="${escapeXml(r.errno ?? 'reject')}" message="${escapeXml(message)}">${escapeXml(r.log.join('\n'))}</failure>\n    </testcase>`;
}

export function verifyJunit(records: readonly VerifyRecord[]): string {
  const byFile = new Map<string, VerifyRecord[]>();
  for (const r of records) byFile.set(r.file, [...(byFile.get(r.file) ?? []), r]);
  const count = (rs: readonly VerifyRecord[]) => ({
    tests: rs.length, failures: rs.filter((r) => r.accepted === false).length, skipped: rs.filter((r) => r.accepted === null).length,
  });
  const all = count(records);
  const suites = [...byFile].map(([file, rs]) => {
    const c = count(rs);
    return `  <testsuite name="${escapeXml(file)}" tests="${c.tests}" failures="${c.failures}" errors="0" skipped="${c.skipped}">\n${rs.map(testCase).join('\n')}\n  </testsuite>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="tsbpf verify" tests="${all.tests}" failures="${all.failures}" errors="0" skipped="${all.skipped}">\n${suites.join('\n')}\n</testsuites>\n`;
}
