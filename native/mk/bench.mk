# Benchmark programs (native/src/bench; `npm run bench` runs them through bench/run.ts).
# Like the workloads, they use whatever malloc the process has: LD_PRELOAD chooses it.
BENCH_CFLAGS := $(CFLAGS_COMMON) -O2 -Isrc/common -Isrc/bench
# mk files are included in name order, so programs.mk's variables are not set yet: name the shared
# objects here (programs.mk's pattern rule builds them).
BENCH_COMMON_OBJ := $(patsubst src/common/%.c,$(BUILD)/obj/common/%.o,$(wildcard src/common/*.c))
BENCH_HDR := $(wildcard src/common/*.h) include/leanmalloc.h src/bench/proc_mem.h

$(BUILD)/obj/bench/%.o: src/bench/%.c $(BENCH_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) -c -o $@ $<

$(BUILD)/bench/xthread: $(BUILD)/obj/bench/xthread.o $(BUILD)/obj/bench/proc_mem.o $(BENCH_COMMON_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) -o $@ $^ -ldl -lm

$(BUILD)/bench/drain: $(BUILD)/obj/bench/drain.o $(BUILD)/obj/bench/proc_mem.o $(BENCH_COMMON_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) -o $@ $^ -ldl -lm

$(BUILD)/bench/largebuf: $(BUILD)/obj/bench/largebuf.o $(BUILD)/obj/bench/proc_mem.o $(BENCH_COMMON_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) -o $@ $^ -ldl -lm

$(BUILD)/bench/alloctest: $(BUILD)/obj/bench/alloctest.o $(BUILD)/obj/bench/proc_mem.o $(BENCH_COMMON_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) -o $@ $^ -ldl -lm -lpthread

# Static and tiny: its own pre-exec RSS is folded into the ru_maxrss it reports (see rusage_run.c).
$(BUILD)/bench/rusage-run: $(BUILD)/obj/bench/rusage_run.o $(BUILD)/obj/common/json_line.o $(BUILD)/obj/common/cli_args.o
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) -static -o $@ $^ -lm

ALL_TARGETS += $(BUILD)/bench/xthread $(BUILD)/bench/drain $(BUILD)/bench/largebuf $(BUILD)/bench/alloctest $(BUILD)/bench/rusage-run
