// A loopback TCP connection that selects a congestion control with setsockopt(TCP_CONGESTION) and
// sends 1 MiB through it (python3): what the struct_ops tests use to make a registered congestion
// control run. Returns the congestion control the socket reports afterwards.

import { run } from './references.js';

const TRANSFER = `
import socket, sys, threading
srv = socket.socket(); srv.bind(('127.0.0.1', 0)); srv.listen(1)
def serve():
    c, _ = srv.accept(); n = 0
    while n < 1 << 20:
        d = c.recv(65536)
        if not d: break
        n += len(d)
    c.close()
t = threading.Thread(target=serve); t.start()
s = socket.socket(); s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, sys.argv[1].encode())
s.connect(srv.getsockname()); s.sendall(b'x' * (1 << 20))
print(s.getsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, 16).rstrip(b'\\0').decode())
s.close(); t.join()
`;

export function transferWithCongestionControl(name: string): string {
  return run('python3', ['-c', TRANSFER, name]).trim();
}
