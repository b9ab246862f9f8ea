import type { HelperImpl } from "../machine.js";
export const packetHelpers: Record<string, HelperImpl> = {};
