// Reading kernel BTF the way the verifier does: past modifiers and typedefs (btf_type_skip_modifiers),
// and which types are integers (scalars in a register).

import { type Btf, type BtfType, skipModifiers } from '../../elf/index.js';

/** The id past every modifier and typedef. */
export const skipTypeModifiers = (btf: Btf, id: number): number => skipModifiers((x) => btf.type(x), id);

/** The type past every modifier and typedef; undefined for void. */
export const resolvedType = (btf: Btf, id: number): BtfType | undefined => btf.type(skipTypeModifiers(btf, id));

/** An integer or an enum: what a register holds as a scalar. */
export const isIntOrEnum = (t: BtfType | undefined): boolean => t?.kind === 'INT' || t?.kind === 'ENUM' || t?.kind === 'ENUM64';
