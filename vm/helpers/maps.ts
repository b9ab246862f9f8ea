import type { HelperImpl } from "../machine.js";
export const mapHelpers: Record<string, HelperImpl> = {};
