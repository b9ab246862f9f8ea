// The kit's one error: a subject, input or option the kit cannot use, said with what and where.

import { TsbpfError } from '../../isa/index.js';

export class TestingError extends TsbpfError {
  override readonly name = 'TestingError';
}
