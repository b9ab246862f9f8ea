// tsbpf gen skeleton OBJ.o [--name NAME] [--import SPEC]: prints a typed TypeScript skeleton.

import { generateSkeleton } from '../../loader/index.js';

export function generateSkeletonFile(bytes: Uint8Array, file: string, options: { name?: string; importFrom?: string }): string {
  return generateSkeleton(bytes, file, options);
}
