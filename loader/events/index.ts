// Event streams: BPF ring buffers, perf event arrays and the trace_pipe.

export { EventStreamError, type ReadOptions, RingBuffer } from './ring-buffer.js';
export { PerfBuffer, type PerfBufferOptions, type PerfRecord } from './perf-buffer.js';
export { parseTraceLine, readTracePipe, type TraceLine, type TracePipeOptions } from './trace-pipe.js';
export { AF_INET, AF_INET6, InetAddressError, inetNtop, inetNtop4, inetNtop6 } from './inet-ntop.js';
