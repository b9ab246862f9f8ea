// The one base class of every error tsbpf throws on purpose, so that a caller can catch the
// toolchain's errors as one kind (`e instanceof TsbpfError`) and tell them from bugs. It lives
// in isa because isa is the layer every other one may import.

export class TsbpfError extends Error {
  override readonly name: string = 'TsbpfError';
  constructor(message?: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
