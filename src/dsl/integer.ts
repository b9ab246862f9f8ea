// A constant the program uses, as a BigInt: a number that is not an integer (0.5, NaN, Infinity)
// is the user's mistake and a DslError at their line, not a RangeError from BigInt().

import { DslError } from './errors.js';
import { callerLocation } from './line-info.js';
import { quoted } from './quote.js';

export function integer(value: number | bigint, what = 'constant'): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new DslError(`${what} ${quoted(value)} is not an integer`, callerLocation());
  return BigInt(value);
}
