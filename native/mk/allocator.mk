# leanmalloc: build/libleanmalloc.so (LD_PRELOAD-able), build/libleanmalloc.a (static linking),
# and the allocator's C test programs build/tests/alloc_* (run by native/tests/allocator.test.ts).
LM_SRC_DIR := src/allocator
LM_SRCS    := $(sort $(wildcard $(LM_SRC_DIR)/*.c))
LM_HDRS    := $(wildcard $(LM_SRC_DIR)/*.h) include/leanmalloc.h
LM_OBJS    := $(patsubst $(LM_SRC_DIR)/%.c,$(BUILD)/allocator/%.o,$(LM_SRCS))
# -fno-builtin-*: gcc must not turn our own malloc+memset into a call to calloc (infinite recursion).
# -ftls-model=initial-exec: the heap is one %fs-relative access away on the fast path.
LM_CFLAGS  := $(CFLAGS_COMMON) -O2 -fPIC -fvisibility=hidden -ftls-model=initial-exec \
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

TEST_TARGETS += $(LM_TEST_BINS)
