# A socket filter that counts packets in an array map and lets them pass.
# Assemble: tsbpf asm examples/hello.s -o hello.o ; list: tsbpf disasm -r hello.o

	.section	socket,"ax",@progbits
	.globl	count_packets
	.type	count_packets,@function
count_packets:
	r1 = 0
	*(u32 *)(r10 - 4) = r1          # key = 0 on the stack
	r2 = r10
	r2 += -4
	r1 = packets ll                 # the map, relocated by the loader
	call 1                          # bpf_map_lookup_elem
	if r0 == 0 goto .Ldone
	r1 = 1
	lock *(u64 *)(r0 + 0) += r1     # atomically count one packet
.Ldone:
	r0 = -1                         # keep the whole packet
	exit
.Lfunc_end0:
	.size	count_packets, .Lfunc_end0-count_packets

	.section	.maps,"aw",@progbits
	.globl	packets
	.p2align	3
packets:
	.zero	32
	.size	packets, 32

	.section	license,"aw",@progbits
	.globl	_license
_license:
	.asciz	"GPL"
	.size	_license, 4
