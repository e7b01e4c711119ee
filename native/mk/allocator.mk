# leanmalloc: build/libleanmalloc.so (LD_PRELOAD-able), build/libleanmalloc.a (static linking),
# and the allocator's C test programs build/tests/alloc_* (run by native/tests/allocator.test.ts).
LM_SRC_DIR := src/allocator
LM_SRCS    := $(sort $(wildcard $(LM_SRC_DIR)/*.c))
LM_HDRS    := $(wildcard $(LM_SRC_DIR)/*.h) include/leanmalloc.h
LM_OBJS    := $(patsubst $(LM_SRC_DIR)/%.c,$(BUILD)/allocator/%.o,$(LM_SRCS))
# -fno-builtin-*: gcc must not turn our own malloc+memset into a call to calloc (infinite recursion).
# -ftls-model=initial-exec: the heap is one %fs-relative access away on the fast path.
LM_CFLAGS  := $(CFLAGS_COMMON) $(LM_VARIANT_CFLAGS) -fPIC -fvisibility=hidden -ftls-model=initial-exec \
              -fno-builtin-malloc -fno-builtin-free -fno-builtin-calloc -fno-builtin-realloc \
              -fno-plt -fno-semantic-interposition $(LM_EXTRA_CFLAGS)

LM_SO := $(BUILD)/libleanmalloc.so
LM_A  := $(BUILD)/libleanmalloc.a

$(BUILD)/allocator/%.o: $(LM_SRC_DIR)/%.c $(LM_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(LM_CFLAGS) -c $< -o $@

$(LM_SO): $(LM_OBJS)
	$(CC) -shared -pthread -Wl,-z,now -o $@ $(LM_OBJS)

$(LM_A): $(LM_OBJS)
	rm -f $@
	ar rcs $@ $(LM_OBJS)

ALL_TARGETS += $(LM_SO) $(LM_A)

# Tests: each alloc_*.c is built twice: statically linked against libleanmalloc.a (whole archive,
# -rdynamic so dlsym finds leanmalloc_get_stats) and plain (to be run under LD_PRELOAD).
LM_TEST_SRCS  := $(sort $(wildcard tests/alloc_*.c))
LM_TEST_NAMES := $(patsubst tests/%.c,%,$(LM_TEST_SRCS))
LM_TEST_BINS  := $(addprefix $(BUILD)/tests/,$(LM_TEST_NAMES)) $(addprefix $(BUILD)/tests/plain_,$(LM_TEST_NAMES))
LM_TEST_CFLAGS := $(CFLAGS_COMMON) -O1 -fno-builtin-malloc -fno-builtin-free -fno-builtin-calloc -fno-builtin-realloc

$(BUILD)/tests/alloc_%: tests/alloc_%.c tests/alloc_test.h $(LM_A)
	@mkdir -p $(dir $@)
	$(CC) $(LM_TEST_CFLAGS) -rdynamic -o $@ $< -Wl,--whole-archive $(LM_A) -Wl,--no-whole-archive -ldl

$(BUILD)/tests/plain_alloc_%: tests/alloc_%.c tests/alloc_test.h
	@mkdir -p $(dir $@)
	$(CC) $(LM_TEST_CFLAGS) -o $@ $< -ldl

TEST_TARGETS += $(LM_TEST_BINS) $(LM_SO)

# The allocator probe against the real header and against two headers it must not trust: one
# with another LEANMALLOC_STATS_VERSION, one with a counter the library does not have.
PROBE_SRCS := tests/probe_counters.c src/common/alloc_probe.c src/common/json_line.c
PROBE_HDRS := $(wildcard src/common/*.h) include/leanmalloc.h

$(BUILD)/skew/version/leanmalloc.h: include/leanmalloc.h
	@mkdir -p $(dir $@)
	sed 's/^#define LEANMALLOC_STATS_VERSION .*/#define LEANMALLOC_STATS_VERSION 9999/' $< > $@
	grep -q 'LEANMALLOC_STATS_VERSION 9999' $@

$(BUILD)/skew/size/leanmalloc.h: include/leanmalloc.h
	@mkdir -p $(dir $@)
	sed '/^#define LEANMALLOC_FOREACH_COUNTER(X)/a\  X(skew_extra, "a counter the library does not have") \\' $< > $@
	grep -q 'skew_extra' $@

$(BUILD)/tests/probe_counters: $(PROBE_SRCS) $(PROBE_HDRS) $(LM_A)
	@mkdir -p $(dir $@)
	$(CC) $(LM_TEST_CFLAGS) -Isrc/common -rdynamic -o $@ $(PROBE_SRCS) -Wl,--whole-archive $(LM_A) -Wl,--no-whole-archive -ldl

$(BUILD)/tests/probe_counters_skew_%: $(PROBE_SRCS) $(PROBE_HDRS) $(BUILD)/skew/%/leanmalloc.h $(LM_A)
	@mkdir -p $(dir $@)
	$(CC) -I$(BUILD)/skew/$* $(LM_TEST_CFLAGS) -Isrc/common -rdynamic -o $@ $(PROBE_SRCS) -Wl,--whole-archive $(LM_A) -Wl,--no-whole-archive -ldl

# The probe alone (to be run under LD_PRELOAD), and a library with the unversioned stats layout.
$(BUILD)/tests/plain_probe_counters: $(PROBE_SRCS) $(PROBE_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(LM_TEST_CFLAGS) -Isrc/common -o $@ $(PROBE_SRCS) -ldl

$(BUILD)/tests/libstats_v1.so: tests/stats_v1.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) -O1 -fPIC -shared -o $@ $<

TEST_TARGETS += $(BUILD)/tests/probe_counters $(BUILD)/tests/probe_counters_skew_version $(BUILD)/tests/probe_counters_skew_size \
                $(BUILD)/tests/plain_probe_counters $(BUILD)/tests/libstats_v1.so
