// The global declarations a program module is type-checked against instead of TypeScript's
// standard library: the types tsc itself needs, and nothing a program could call (Math, JSON,
// console … do not exist in the kernel, so using one is a tsc error, not a wrong program).
// Checking against this instead of lib.es2022 also keeps `tsbpf build` fast.

export const MINIMAL_LIB_NAME = 'tsbpf-lang-lib.d.ts';

export const MINIMAL_LIB = `
interface Array<T> { length: number; [n: number]: T }
interface ReadonlyArray<T> { readonly length: number; readonly [n: number]: T }
interface Boolean {}
interface Function {}
interface CallableFunction extends Function {}
interface NewableFunction extends Function {}
interface IArguments {}
interface Number {}
interface BigInt {}
interface Object {}
interface RegExp {}
interface String { readonly length: number }
interface Symbol {}
interface SymbolConstructor { readonly iterator: unique symbol }
declare var Symbol: SymbolConstructor;
interface TemplateStringsArray extends ReadonlyArray<string> { readonly raw: readonly string[] }
interface ImportMeta {}
interface Error { message: string }
declare var Error: { new (message?: string): Error };
type Record<K extends keyof any, T> = { [P in K]: T };
type Partial<T> = { [P in keyof T]?: T[P] };
type Readonly<T> = { readonly [P in keyof T]: T[P] };
`;
