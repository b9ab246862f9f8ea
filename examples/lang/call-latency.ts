// A latency histogram of a user-space function: the uprobe notes when each thread entered it,
// the uretprobe adds the call's duration to a log2 histogram (bucket k: 2^k ≤ ns < 2^(k+1)).
//   tsbpf build examples/lang/call-latency.ts -o call-latency.o
import { arrayMap, getCurrentPidTgid, hashMap, ktimeGetNs, uprobe, uretprobe, type u32, type u64 } from 'tsbpf/lang';

const BUCKETS = 64;

export const starts = hashMap<u32, u64>({ maxEntries: 10240 });
export const latency = arrayMap<u64>({ maxEntries: BUCKETS });

export const call_enter = uprobe('libc.so.6:getpid', () => {
  const tid = getCurrentPidTgid() as u32;
  starts.update(tid, ktimeGetNs());
  return 0;
});

export const call_return = uretprobe('libc.so.6:getpid', () => {
  const tid = getCurrentPidTgid() as u32;
  const start = starts.lookup(tid);
  if (!start) return 0;
  let ns = ktimeGetNs() - start.value;
  starts.delete(tid);
  let bucket: u32 = 0;
  while (ns > 1 && bucket < BUCKETS - 1) {
    ns >>= 1;
    bucket++;
  }
  latency.increment(bucket);
  return 0;
});
