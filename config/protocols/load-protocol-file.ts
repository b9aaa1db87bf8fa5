import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseDocument } from 'yaml';
import type { Protocol } from '../../libs/domain/src/protocol/protocol.types';
import {
  formatProtocolErrors,
  validateProtocol,
  type ProtocolError,
} from '../../libs/domain/src/protocol/validation/validate-protocol';
import { PROJECT_ROOT } from '../environment';

/** The default protocol, `frontier-ai-cyber` (resolved from the project root, so it works from dist/ too). */
export const DEFAULT_PROTOCOL_PATH = path.join(
  PROJECT_ROOT,
  'config',
  'protocols',
  'frontier-ai-cyber.yaml',
);

/** A protocol file that is not valid YAML or not a valid protocol; `errors` lists every problem. */
export class ProtocolValidationError extends Error {
  constructor(
    readonly file: string,
    readonly errors: ProtocolError[],
  ) {
    super(
      `Invalid protocol file ${file} (${errors.length} error${errors.length === 1 ? '' : 's'}):\n${indent(formatProtocolErrors(errors))}`,
    );
    this.name = 'ProtocolValidationError';
  }
}

/**
 * Read, parse and validate a protocol file (YAML, which includes JSON). Throws
 * ProtocolValidationError listing every YAML or protocol error at once; a missing file throws
 * the usual ENOENT error.
 */
export function loadProtocolFile(file: string): Protocol {
  const doc = parseDocument(fs.readFileSync(file, 'utf8'), { prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ProtocolValidationError(
      file,
      doc.errors.map((e) => ({
        path: '',
        message: `YAML ${e.code}: ${e.message.split('\n')[0].replace(/:$/, '')}`,
      })),
    );
  }
  const result = validateProtocol(doc.toJS());
  if (!result.ok) throw new ProtocolValidationError(file, result.errors);
  return result.protocol;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  - ${line}`)
    .join('\n');
}
