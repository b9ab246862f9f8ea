/** Bad command-line usage or an unreadable/unwritable path: exit status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
