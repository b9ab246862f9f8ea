
import { TsbpfError } from '../../isa/index.js';
/** Bad command-line usage or an unreadable/unwritable path: exit status 2. */
export class UsageError extends TsbpfError {
  override readonly name = 'UsageError';
}
