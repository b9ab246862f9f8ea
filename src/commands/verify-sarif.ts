// `tsbpf verify --reporter sarif`: SARIF 2.1.0, so that a CI system (GitHub code scanning, GitLab,
// Azure DevOps) annotates the source line of each rejection: the C line from clang's line_info,
// the TypeScript line for programs tsbpf built. A rejection is an error result, a program the
// model cannot decide a note; accepted programs give no result.

import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { VERSION } from '../version.js';
import type { VerifyRecord } from './verify.js';

const RULES = [
  { id: 'verifier-reject', name: 'VerifierReject', shortDescription: { text: 'The kernel verifier would reject this program.' } },
  { id: 'verifier-not-modelled', name: 'VerifierNotModelled', shortDescription: { text: 'The verifier model cannot decide this program yet.' } },
];

/** A path as a SARIF URI: relative paths stay relative (to the working directory), others are file: URLs. */
function uri(path: string): string {
  if (isAbsolute(path)) return pathToFileURL(path).href;
  return path.split('/').map(encodeURIComponent).join('/');
}

function location(r: VerifyRecord): object {
  const logical = [{ name: r.name, kind: 'function' }];
  if (r.source !== null) {
    const region = { startLine: Math.max(1, r.source.line), ...(r.source.column > 0 ? { startColumn: r.source.column } : {}) };
    return { physicalLocation: { artifactLocation: { uri: uri(r.source.file) }, region }, logicalLocations: logical };
  }
  return { physicalLocation: { artifactLocation: { uri: uri(r.file) } }, logicalLocations: logical };
}

function result(r: VerifyRecord): object | undefined {
  if (r.accepted === true) return undefined;
  if (r.accepted === null) {
    return { ruleId: RULES[1]!.id, ruleIndex: 1, level: 'note', message: { text: `${r.name}: not modelled yet: ${r.notModelled ?? ''}` }, locations: [location(r)] };
  }
  const insn = r.error?.insn === null || r.error === null ? '' : ` at insn ${r.error.insn}`;
  return {
    ruleId: RULES[0]!.id, ruleIndex: 0, level: 'error',
    message: { text: `${r.name}: rejected (${r.errno ?? '?'})${insn}: ${r.error?.message ?? ''}` },
    locations: [location(r)],
    properties: { program: r.name, section: r.section, type: r.type, errno: r.errno, insn: r.error?.insn ?? null, objectFile: r.file },
  };
}

export function verifySarif(records: readonly VerifyRecord[]): string {
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: { driver: { name: 'tsbpf verify', version: VERSION, rules: RULES } },
      results: records.map(result).filter((x) => x !== undefined),
    }],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
