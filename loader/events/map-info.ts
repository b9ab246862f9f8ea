// The few fields of struct bpf_map_info the readers need (type, max_entries).

import { address, bpf, BpfCommand, encodeAttr, ObjInfoAttr } from '../sys/index.js';

export interface MapInfo {
  readonly type: number;
  readonly id: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
}

export function mapInfo(fd: number): MapInfo {
  const info = Buffer.alloc(96);
  bpf(BpfCommand.OBJ_GET_INFO_BY_FD, encodeAttr(ObjInfoAttr, { bpf_fd: fd, info_len: info.length, info: address(info) }));
  return { type: info.readUInt32LE(0), id: info.readUInt32LE(4), keySize: info.readUInt32LE(8), valueSize: info.readUInt32LE(12), maxEntries: info.readUInt32LE(16) };
}
