// The typed error of the static linker: which input file and which symbol or section it is about.

import { shown, TsbpfError } from '../../isa/index.js';

export class LinkError extends TsbpfError {
  override readonly name = 'LinkError';
  constructor(
    readonly reason: string,
    /** The input the problem was found in ('' when it concerns the output as a whole). */
    readonly file: string,
    /** The symbol or section concerned, when there is one. */
    readonly symbol?: string,
  ) {
    super(`${file === '' ? 'link' : file}: ${symbol === undefined ? '' : `'${shown(symbol, 64)}': `}${reason}`);
  }
}
