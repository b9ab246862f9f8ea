// Prints the test cases of the kernel's old-format verifier selftests
// (tools/testing/selftests/bpf/verifier/*.c) as JSON lines: the instructions
// as the kernel would receive them (fill helpers run), where maps and kfuncs
// are patched in, the BTF the case loads, and the annotations.
//
// It is compiled against the kernel tree's own test_verifier.c (which defines
// struct bpf_test, the instruction macros and the fill helpers), with that
// file's main renamed, by scripts/verifier-corpus/build-old.mjs. The kernel's
// code is GPL-2.0; this file only reads its data structures.
#define main test_verifier_main
#include "test_verifier.c"
#undef main

static void hex(const void *p, size_t n)
{
	const unsigned char *b = p;
	putchar('"');
	for (size_t i = 0; i < n; i++) printf("%02x", b[i]);
	putchar('"');
}

static void str(const char *s)
{
	if (!s) { fputs("null", stdout); return; }
	putchar('"');
	for (; *s; s++) {
		unsigned char c = *s;
		if (c == '"' || c == '\\') printf("\\%c", c);
		else if (c < 0x20) printf("\\u%04x", c);
		else putchar(c);
	}
	putchar('"');
}

static void fixups(const char *name, const int *f, int *first)
{
	if (!*f) return;
	printf("%s\"%s\":[", *first ? "" : ",", name);
	*first = 0;
	for (int i = 0; f[i]; i++) printf("%s%d", i ? "," : "", f[i]);
	putchar(']');
}

static const char *result_name(int r)
{
	switch (r) {
	case ACCEPT: return "accept";
	case REJECT: return "reject";
	case VERBOSE_ACCEPT: return "verbose_accept";
	default: return NULL;
	}
}

int main(void)
{
	for (unsigned int n = 0; n < ARRAY_SIZE(tests); n++) {
		struct bpf_test *t = &tests[n];
		struct bpf_insn *prog = t->insns;
		int len, first = 1;

		if (t->fill_helper) {
			t->fill_insns = calloc(MAX_TEST_INSNS, sizeof(struct bpf_insn));
			t->fill_helper(t);
		}
		if (t->fill_insns) {
			prog = t->fill_insns;
			len = t->prog_len;
		} else {
			len = probe_filter_length(prog);
		}
		printf("{\"index\":%u,\"descr\":", n);
		str(t->descr);
		printf(",\"progType\":%d,\"expectedAttachType\":%d,\"flags\":%d,\"kfunc\":", t->prog_type,
		       t->expected_attach_type, t->flags);
		str(t->kfunc);
		printf(",\"result\":");
		str(result_name(t->result));
		printf(",\"resultUnpriv\":");
		str(result_name(t->result_unpriv));
		printf(",\"errstr\":");
		str(t->errstr);
		printf(",\"errstrUnpriv\":");
		str(t->errstr_unpriv);
		printf(",\"fixups\":{");
		fixups("map_hash_8b", t->fixup_map_hash_8b, &first);
		fixups("map_hash_48b", t->fixup_map_hash_48b, &first);
		fixups("map_hash_16b", t->fixup_map_hash_16b, &first);
		fixups("map_array_48b", t->fixup_map_array_48b, &first);
		fixups("map_sockmap", t->fixup_map_sockmap, &first);
		fixups("map_sockhash", t->fixup_map_sockhash, &first);
		fixups("map_xskmap", t->fixup_map_xskmap, &first);
		fixups("map_stacktrace", t->fixup_map_stacktrace, &first);
		fixups("prog1", t->fixup_prog1, &first);
		fixups("prog2", t->fixup_prog2, &first);
		fixups("map_in_map", t->fixup_map_in_map, &first);
		fixups("cgroup_storage", t->fixup_cgroup_storage, &first);
		fixups("percpu_cgroup_storage", t->fixup_percpu_cgroup_storage, &first);
		fixups("map_spin_lock", t->fixup_map_spin_lock, &first);
		fixups("map_array_ro", t->fixup_map_array_ro, &first);
		fixups("map_array_wo", t->fixup_map_array_wo, &first);
		fixups("map_array_small", t->fixup_map_array_small, &first);
		fixups("sk_storage_map", t->fixup_sk_storage_map, &first);
		fixups("map_event_output", t->fixup_map_event_output, &first);
		fixups("map_reuseport_array", t->fixup_map_reuseport_array, &first);
		fixups("map_ringbuf", t->fixup_map_ringbuf, &first);
		fixups("map_timer", t->fixup_map_timer, &first);
		fixups("map_kptr", t->fixup_map_kptr, &first);
		printf("},\"kfuncs\":[");
		for (int i = 0; t->fixup_kfunc_btf_id[i].kfunc; i++) {
			printf("%s{\"name\":", i ? "," : "");
			str(t->fixup_kfunc_btf_id[i].kfunc);
			printf(",\"insn\":%d}", t->fixup_kfunc_btf_id[i].insn_idx);
		}
		printf("],\"funcInfo\":[");
		for (int i = 0; i < t->func_info_cnt; i++)
			printf("%s[%u,%u]", i ? "," : "", t->func_info[i].insn_off, t->func_info[i].type_id);
		printf("],\"btf\":");
		if (t->btf_types[0]) {
			int types_num = 0;
			while (types_num < MAX_BTF_TYPES && t->btf_types[types_num] != BTF_END_RAW) types_num++;
			struct btf_header hdr = {
				.magic = BTF_MAGIC, .version = BTF_VERSION, .hdr_len = sizeof(struct btf_header),
				.type_len = types_num * 4, .str_off = types_num * 4, .str_len = sizeof(t->btf_strings),
			};
			putchar('[');
			hex(&hdr, sizeof(hdr));
			putchar(',');
			hex(t->btf_types, types_num * 4);
			putchar(',');
			hex(t->btf_strings, sizeof(t->btf_strings));
			putchar(']');
		} else {
			fputs("null", stdout);
		}
		printf(",\"insns\":");
		hex(prog, (size_t)len * sizeof(struct bpf_insn));
		puts("}");
	}
	return 0;
}
