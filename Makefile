# SPDX-License-Identifier: GPL-2.0-or-later
#
# miracastd — one Makefile for everything. Sources are found by wildcard, so a
# new file in a directory needs no edit here:
#   protocol/*.c            -> $(BUILD)/libprotocol.a   (libc only, no pkg-config)
#   encoder/*.c             -> $(BUILD)/libencoder.a    (FFmpeg, libdrm, libva)
#   daemon/*.c but main.c   -> $(BUILD)/libdaemon.a     (libsystemd)
#   dbus/*.c but miracastctl*.c -> $(BUILD)/libdbus.a
#   daemon/main.c           -> $(BUILD)/miracastd
#   dbus/miracastctl*.c     -> $(BUILD)/miracastctl
#   tests/sink/*.c          -> $(BUILD)/miracast-test-sink
#   tests/unit/test-*.c, tests/integration/test-*.c -> $(BUILD)/tests/test-*
#   tests/fuzz/fuzz-*.c     -> $(BUILD)/tests/fuzz-replay-* (gcc, replays seeds in `make check`)
#                              $(BUILD)/fuzz/fuzz-*        (clang libFuzzer, `make fuzz`)
#   tests/bench/bench-*.c   -> $(BUILD)/bench-*
#
# Targets: all check fuzz bench demo e2e install lint soak clean deps.
# Variables: BUILD, SANITIZE=1 (ASan+UBSan), V=1, DESTDIR, PREFIX, FUZZ_SECONDS.

PKG_CONFIG ?= pkg-config
BUILD      ?= build
PREFIX     ?= /usr
DESTDIR    ?=
CC         ?= gcc
CLANG      ?= clang
FUZZ_SECONDS ?= 60

CFLAGS     ?= -O2 -g
CFLAGS     += -std=gnu11 -Wall -Wextra -Werror -MMD -MP -D_GNU_SOURCE -fno-strict-aliasing
CFLAGS     += -Wshadow -Wno-unused-parameter -Wno-missing-field-initializers -Wformat=2
LDLIBS     += -lpthread -lm

# Sanitized builds are the test builds: they also get the test-only fault hooks (MIRACAST_TEST_HOOKS).
ifeq ($(SANITIZE),1)
CFLAGS     += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
CFLAGS     += -DMIRACAST_TEST_HOOKS
LDFLAGS    += -fsanitize=address,undefined
endif

ifeq ($(V),1)
Q :=
else
Q := @
endif

ENCODER_PKGS := libavcodec libavformat libavutil libswscale libdrm libva libpipewire-0.3
DAEMON_PKGS  := libsystemd
ALL_PKGS     := $(DAEMON_PKGS) $(ENCODER_PKGS)

# Deferred (=) so pkg-config runs only after `deps` had its chance to install.
ENCODER_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(ENCODER_PKGS))
DAEMON_CFLAGS  = $(shell $(PKG_CONFIG) --cflags $(DAEMON_PKGS))
ALL_CFLAGS     = $(shell $(PKG_CONFIG) --cflags $(ALL_PKGS))
ALL_LIBS       = $(shell $(PKG_CONFIG) --libs $(ALL_PKGS))

PROTOCOL_SRC := $(wildcard protocol/*.c)
ENCODER_SRC  := $(wildcard encoder/*.c)
DAEMON_SRC   := $(filter-out daemon/main.c,$(wildcard daemon/*.c))
DBUS_SRC     := $(filter-out dbus/miracastctl%,$(wildcard dbus/*.c))
CTL_SRC      := $(wildcard dbus/miracastctl*.c)
SINK_SRC     := $(wildcard tests/sink/*.c)
TESTLIB_SRC  := tests/lib/test.c tests/lib/test-util.c tests/lib/test-bus.c tests/lib/ts-check.c tests/lib/rtp-receive.c
UNIT_SRC     := $(wildcard tests/unit/test-*.c tests/integration/test-*.c)
FUZZ_SRC     := $(wildcard tests/fuzz/fuzz-*.c)
BENCH_SRC    := $(wildcard tests/bench/bench-*.c)

obj = $(patsubst %.c,$(BUILD)/%.o,$(1))

LIBPROTOCOL := $(BUILD)/libprotocol.a
LIBENCODER  := $(BUILD)/libencoder.a
LIBDAEMON   := $(BUILD)/libdaemon.a
LIBDBUS     := $(BUILD)/libdbus.a
# Link order: dependents first (dbus -> daemon -> encoder -> protocol).
ALL_LIBS_A   = $(LIBDBUS) $(LIBDAEMON) $(LIBENCODER) $(LIBPROTOCOL)

PROGRAMS :=
ifneq ($(wildcard daemon/main.c),)
PROGRAMS += $(BUILD)/miracastd
endif
ifneq ($(CTL_SRC),)
PROGRAMS += $(BUILD)/miracastctl
endif
ifneq ($(SINK_SRC),)
PROGRAMS += $(BUILD)/miracast-test-sink
endif
TEST_BINS   := $(patsubst %.c,$(BUILD)/tests/%,$(notdir $(UNIT_SRC)))
REPLAY_BINS := $(patsubst fuzz-%.c,$(BUILD)/tests/fuzz-replay-%,$(notdir $(FUZZ_SRC)))
FUZZ_BINS   := $(patsubst fuzz-%.c,$(BUILD)/fuzz/fuzz-%,$(notdir $(FUZZ_SRC)))
BENCH_BINS  := $(patsubst %.c,$(BUILD)/%,$(notdir $(BENCH_SRC)))

.PHONY: all tests check run-check fuzz bench demo e2e install lint soak clean deps
.DELETE_ON_ERROR:
# Keep objects made by chained pattern rules (fuzz, bench), so nothing rebuilds needlessly.
.SECONDARY:

all: $(PROGRAMS)

tests: $(PROGRAMS) $(TEST_BINS) $(REPLAY_BINS) $(BENCH_BINS) $(BUILD)/tests/pw-test-producer

# ---- compile rules --------------------------------------------------------

# protocol/ gets no pkg-config flags on purpose: libc only, so a stray
# #include <systemd/...> or <libavcodec/...> fails the build.
$(BUILD)/protocol/%.o: protocol/%.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/encoder/%.o: encoder/%.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) $(ENCODER_CFLAGS) -c $< -o $@

$(BUILD)/daemon/%.o: daemon/%.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/dbus/%.o: dbus/%.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/tests/%.o: tests/%.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) $(ALL_CFLAGS) -c $< -o $@

# ---- libraries and programs ----------------------------------------------

$(LIBPROTOCOL): $(call obj,$(PROTOCOL_SRC))
$(LIBENCODER):  $(call obj,$(ENCODER_SRC))
$(LIBDAEMON):   $(call obj,$(DAEMON_SRC))
$(LIBDBUS):     $(call obj,$(DBUS_SRC))
$(BUILD)/%.a:
	@mkdir -p $(@D)
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/miracastd: $(call obj,daemon/main.c) $(ALL_LIBS_A)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(ALL_LIBS) $(LDLIBS)

$(BUILD)/miracastctl: $(call obj,$(CTL_SRC)) $(ALL_LIBS_A)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(ALL_LIBS) $(LDLIBS)

$(BUILD)/miracast-test-sink: $(call obj,$(SINK_SRC)) $(ALL_LIBS_A)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(ALL_LIBS) $(LDLIBS)

$(BUILD)/bench-%: $(BUILD)/tests/bench/bench-%.o $(ALL_LIBS_A)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(ALL_LIBS) $(LDLIBS)

# ---- tests ----------------------------------------------------------------

define test_rule
$(BUILD)/tests/$(basename $(notdir $(1))): $(call obj,$(1)) $(call obj,$(TESTLIB_SRC)) $(ALL_LIBS_A)
	@echo "  LD      $$@"
	$(Q)$(CC) $(LDFLAGS) -o $$@ $$^ $(ALL_LIBS) $(LDLIBS)
endef
$(foreach t,$(UNIT_SRC),$(eval $(call test_rule,$(t))))

# A PipeWire video producer for tests/integration/pipewire-capture.sh.
$(BUILD)/tests/pw-test-producer: $(BUILD)/tests/pipewire/pw-test-producer.o
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(ALL_LIBS) $(LDLIBS)

$(BUILD)/tests/fuzz-replay-%: $(BUILD)/tests/fuzz/fuzz-%.o $(call obj,tests/fuzz/replay-main.c tests/lib/test-util.c) $(ALL_LIBS_A)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(ALL_LIBS) $(LDLIBS)

# `make check`: install what is missing, build everything with ASan+UBSan in
# its own directory, run every test, end with "N passed, N failed".
check: deps
	$(Q)$(MAKE) --no-print-directory BUILD=build/check SANITIZE=1 run-check

run-check: tests
	$(Q)tests/run-tests.sh $(BUILD) $(TESTS)

deps:
	$(Q)tools/install-deps.sh

# ---- fuzzing (clang + libFuzzer) ------------------------------------------

FUZZ_CFLAGS := -g -O1 -std=gnu11 -D_GNU_SOURCE -MMD -MP -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
$(BUILD)/fuzz/obj/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CLANG   $<"
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -c $< -o $@

$(BUILD)/fuzz/fuzz-%: $(BUILD)/fuzz/obj/tests/fuzz/fuzz-%.o $(patsubst %.c,$(BUILD)/fuzz/obj/%.o,$(PROTOCOL_SRC))
	@echo "  LD      $@"
	$(Q)$(CLANG) -fsanitize=fuzzer,address,undefined -o $@ $^

fuzz: deps $(FUZZ_BINS)
	$(Q)tools/run-fuzz.sh $(BUILD)/fuzz $(FUZZ_SECONDS)

# ---- the rest ---------------------------------------------------------------

bench: deps
	$(Q)$(MAKE) --no-print-directory all $(BENCH_BINS)
	$(Q)tools/bench.sh $(BUILD)

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tools/demo.sh $(BUILD)

e2e: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)bash tests/vm/run-e2e.sh $(BUILD)

# Static analysis (cppcheck, gcc -fanalyzer, clang-tidy); not part of check: it takes minutes.
lint:
	$(Q)tools/lint.sh

# 1000 back-to-back sessions against one ASan/LSan daemon (tools/soak.sh: SOAK_SESSIONS, SOAK_SEED,
# SOAK_SAMPLE_EVERY, SOAK_STREAM_SECONDS), or with SOAK_MINUTES one continuous 1080p30 session; about
# 20 minutes, so not part of check (which runs 12 sessions).
soak: deps
	$(Q)$(MAKE) --no-print-directory BUILD=build/check SANITIZE=1 all
	$(Q)tools/soak.sh build/check

install: all
	$(Q)tools/install.sh "$(DESTDIR)" "$(PREFIX)" "$(BUILD)"

clean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
