# Workload, launcher and fixture programs (native/src/programs, native/src/common, native/tests/fixtures).
# They use whatever malloc the process has (never linked against leanmalloc): LD_PRELOAD chooses it.
PROG_CFLAGS := $(CFLAGS_COMMON) -O2 -Isrc/common
PROG_LDLIBS := -ldl -lm
PROG_COMMON_SRC := $(wildcard src/common/*.c)
PROG_COMMON_HDR := $(wildcard src/common/*.h) include/leanmalloc.h
PROG_COMMON_OBJ := $(patsubst src/common/%.c,$(BUILD)/obj/common/%.o,$(PROG_COMMON_SRC))

$(BUILD)/obj/common/%.o: src/common/%.c $(PROG_COMMON_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(PROG_CFLAGS) -c -o $@ $<

$(BUILD)/random_mixed: src/programs/random_mixed.c $(PROG_COMMON_OBJ) $(PROG_COMMON_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(PROG_CFLAGS) -o $@ $< $(PROG_COMMON_OBJ) $(PROG_LDLIBS)

ALL_TARGETS += $(BUILD)/random_mixed

$(BUILD)/soak-launch: src/programs/soak_launch.c $(PROG_COMMON_OBJ) $(PROG_COMMON_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(PROG_CFLAGS) -o $@ $< $(PROG_COMMON_OBJ) $(PROG_LDLIBS)

ALL_TARGETS += $(BUILD)/soak-launch

$(BUILD)/fixtures/protocol_fixture: tests/fixtures/protocol_fixture.c $(PROG_COMMON_OBJ) $(PROG_COMMON_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(PROG_CFLAGS) -o $@ $< $(PROG_COMMON_OBJ) $(PROG_LDLIBS)

ALL_TARGETS += $(BUILD)/fixtures/protocol_fixture

$(BUILD)/fixtures/libpreload_marker.so: tests/fixtures/preload_marker.c
	@mkdir -p $(dir $@)
	$(CC) $(PROG_CFLAGS) -fPIC -shared -o $@ $<

ALL_TARGETS += $(BUILD)/fixtures/libpreload_marker.so
