# SPDX-License-Identifier: GPL-2.0-or-later
#
# miracastd — one Makefile for everything. Sources are found by wildcard, so a
# new file in a directory needs no edit here:
#   protocol/*.c            -> $(BUILD)/libprotocol.a   (libc only)
#   encoder/*.c             -> $(BUILD)/libencoder.a    (+ FFmpeg, libdrm, libva)
#   daemon/*.c but main.c   -> $(BUILD)/libdaemon.a     (+ libsystemd; encoder/ headers)
#   dbus/*.c but miracastctl*.c -> $(BUILD)/libdbus.a   (+ libsystemd; daemon/ headers)
#   daemon/main.c           -> $(BUILD)/miracastd           (libdbus.a, libdaemon.a, libprotocol.a, libsystemd:
#                              no FFmpeg, libdrm, libva or PipeWire; docs/process-model.md)
#   stream/*.c              -> $(BUILD)/miracastd-stream    (the stream worker: libencoder.a, libprotocol.a, everything)
#   dbus/miracastctl*.c     -> $(BUILD)/miracastctl         (libdbus.a, libprotocol.a, libsystemd)
#   tests/sink/*.c          -> $(BUILD)/miracast-test-sink  (libprotocol.a, libsystemd, FFmpeg)
#   desktop/app/*.c         -> $(BUILD)/miracast-cast       (GTK 4, libadwaita, GIO; of ours only dbus/bus_names.h)
#   user-session/*.c        -> $(BUILD)/miracastd-user      (libsystemd, libpipewire-0.3, libprotocol.a; dbus/bus_names.h)
#   tests/unit/test-*.c, tests/integration/test-*.c -> $(BUILD)/tests/test-* (see "tests" below)
#   tests/fuzz/fuzz-*.c     -> $(BUILD)/tests/fuzz-replay-* (gcc, libprotocol.a only; replays seeds in `make check`)
#                              $(BUILD)/fuzz/fuzz-*        (clang libFuzzer, `make fuzz`)
#   tests/bench/bench-*.c   -> $(BUILD)/bench-*             (libencoder.a, libprotocol.a, FFmpeg, libdrm, libva)
#
# Layers: each directory compiles with the flags of the libraries it may use,
# and after each compile its dependency list (every header it read, system
# headers included) is checked against what the layer may include, so
# #include <systemd/sd-bus.h> in encoder/ or <libavcodec/avcodec.h> in daemon/
# fails the build even where the header sits in the default include path.
# Programs and tests link only the archives and libraries they may use, so a
# call across a layer fails at link time too.
#
# Targets: all check fuzz bench demo e2e install lint soak screenshots gnome-shell-test clean deps deb.
# Variables: BUILD, SANITIZE=1 (ASan+UBSan), V=1, DESTDIR, PREFIX, FUZZ_SECONDS, FUZZ_RUNS, FUZZ_MERGE.

PKG_CONFIG ?= pkg-config
BUILD      ?= build
PREFIX     ?= /usr
DESTDIR    ?=
CC         ?= gcc
CLANG      ?= clang
FUZZ_SECONDS ?= 60
# make fuzz merges what it finds into tests/fuzz/corpus/ (minimized); FUZZ_MERGE=0 leaves the tree alone.
FUZZ_MERGE ?= 1

CFLAGS     ?= -O2 -g
# -MD, not -MMD: the layer check reads the system headers from the .d file too.
CFLAGS     += -std=gnu11 -Wall -Wextra -Werror -MD -MP -D_GNU_SOURCE -fno-strict-aliasing
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

ENCODER_PKGS := libavcodec libavformat libavutil libswscale libdrm libva x264 libpipewire-0.3
SYSTEMD_PKGS := libsystemd
SINK_PKGS    := libsystemd libavcodec libavformat libavutil libswscale
APP_PKGS     := gtk4 libadwaita-1
USER_PKGS    := libsystemd libpipewire-0.3
ALL_PKGS     := $(SYSTEMD_PKGS) $(ENCODER_PKGS)

# pkg-config runs only when a recipe first needs it (after `deps` had its chance to install), once
# per make: $(call pkg,--cflags,PKGS). Missing packages stop the build with one line saying what to do.
pkg = $(if $(shell $(PKG_CONFIG) --exists $(2) 2>/dev/null && echo y),$(shell $(PKG_CONFIG) $(1) $(2)),$\
        $(error Missing build dependencies ($(2)): run `make deps` (tools/install-deps.sh) first))
# $(call lazy,VAR,VALUE): VAR is computed the first time it is used, then kept.
lazy = $(eval $(1) := $(2))$($(1))

ENCODER_CFLAGS = $(call lazy,ENCODER_CFLAGS,$(call pkg,--cflags,$(ENCODER_PKGS)))
ENCODER_LIBS   = $(call lazy,ENCODER_LIBS,$(call pkg,--libs,$(ENCODER_PKGS)))
SYSTEMD_CFLAGS = $(call lazy,SYSTEMD_CFLAGS,$(call pkg,--cflags,$(SYSTEMD_PKGS)))
SYSTEMD_LIBS   = $(call lazy,SYSTEMD_LIBS,$(call pkg,--libs,$(SYSTEMD_PKGS)))
SINK_LIBS      = $(call lazy,SINK_LIBS,$(call pkg,--libs,$(SINK_PKGS)))
APP_CFLAGS     = $(call lazy,APP_CFLAGS,$(call pkg,--cflags,$(APP_PKGS)))
USER_CFLAGS    = $(call lazy,USER_CFLAGS,$(call pkg,--cflags,$(USER_PKGS)))
USER_LIBS      = $(call lazy,USER_LIBS,$(call pkg,--libs,$(USER_PKGS)))
APP_LIBS       = $(call lazy,APP_LIBS,$(call pkg,--libs,$(APP_PKGS)))
ALL_CFLAGS     = $(call lazy,ALL_CFLAGS,$(call pkg,--cflags,$(ALL_PKGS)))
ALL_LIBS       = $(call lazy,ALL_LIBS,$(call pkg,--libs,$(ALL_PKGS)))

# What each layer may not include, as extended regexps over the paths in its .d file.
USES_SYSTEMD := /systemd/sd-[a-z-]+\.h
USES_MEDIA   := /(libav[a-z]+|libsw[a-z]+|libdrm|va)/[A-Za-z0-9_-]+\.h|/xf86drm[A-Za-z]*\.h
UP_FROM      = [^ ]*\.\./($(1))/[^ :]+
DENY_protocol := $(USES_SYSTEMD)|$(USES_MEDIA)|$(call UP_FROM,encoder|daemon|dbus|tests)
DENY_encoder  := $(USES_SYSTEMD)|$(call UP_FROM,daemon|dbus|tests)
ALLOW_encoder := daemon/log\.h$$
DENY_daemon   := $(USES_MEDIA)|$(call UP_FROM,dbus|tests)
DENY_dbus     := $(USES_MEDIA)|$(call UP_FROM,tests)
# The stream worker: encoder/ and protocol/ through their headers, of daemon/ only the log.
DENY_stream   := $(USES_MEDIA)|$(call UP_FROM,daemon|dbus|tests)
ALLOW_stream  := daemon/log\.h$$
# The desktop app is a D-Bus client like any other: GTK/GIO, and the API's names, nothing of the daemon.
DENY_app      := $(USES_SYSTEMD)|$(USES_MEDIA)|$(call UP_FROM,protocol|encoder|daemon|dbus|tests)
ALLOW_app     := /dbus/bus_names\.h$$
# The user-session component is a client of the daemon's D-Bus API that owns the person's PipeWire and
# portal: protocol/ (the audio stream format), the API's names, the libc-only log.h and the PipeWire audio
# capture it shares with the daemon's kiosk mode (encoder/audio_pipewire.c: libpipewire only); nothing else.
DENY_user     := $(USES_MEDIA)|$(call UP_FROM,encoder|daemon|dbus|tests|desktop)
ALLOW_user    := /daemon/log\.h$$|/dbus/bus_names\.h$$|/encoder/audio_pipewire\.h$$
# $(call layer_check,LAYER): after compiling $@, fail when its .d names a header LAYER may not use.
define layer_check
	$(Q)bad=$$(grep -oE '$(DENY_$(1))' $(@:.o=.d) | grep -vE '$(or $(ALLOW_$(1)),^$$^)' | sort -u); \
	if [ -n "$$bad" ]; then \
		echo "$<: the $(1)/ layer may not include $$(echo $$bad | cut -d' ' -f1-3) (Makefile: DENY_$(1))" >&2; \
		rm -f $@; exit 1; \
	fi
endef

PROTOCOL_SRC := $(wildcard protocol/*.c)
ENCODER_SRC  := $(wildcard encoder/*.c)
DAEMON_SRC   := $(filter-out daemon/main.c,$(wildcard daemon/*.c))
STREAM_SRC   := $(wildcard stream/*.c)
KMS_SRC      := $(wildcard kms/*.c)
DBUS_SRC     := $(filter-out dbus/miracastctl%,$(wildcard dbus/*.c))
CTL_SRC      := $(wildcard dbus/miracastctl*.c)
SINK_SRC     := $(wildcard tests/sink/*.c)
APP_SRC      := $(wildcard desktop/app/*.c)
USER_SRC     := $(wildcard user-session/*.c)
TESTLIB_SRC  := tests/lib/test.c tests/lib/test-util.c tests/lib/test-bus.c tests/lib/ts-check.c tests/lib/rtp-receive.c \
                tests/lib/daemon-rig.c
UNIT_SRC     := $(wildcard tests/unit/test-*.c tests/integration/test-*.c)

# A test links the lowest layer its #include lines reach, read from its source (a new test needs
# no edit here):
#   protocol  protocol/ headers, tests/lib/test.h, ts-check.h and libc: libprotocol.a only
#   encoder   also encoder/ headers, FFmpeg, libdrm, libva, rtp-receive.h: + libencoder.a and those
#   full      daemon/, dbus/, libsystemd or the bus/fake helpers: every archive and library
includes_any = $(if $(UNIT_SRC),$(shell grep -lE '^\#include *["<](\.\./)*($(1))' $(UNIT_SRC)))
TESTS_FULL     := $(call includes_any,daemon/|dbus/|systemd/|lib/(test-bus|fake-|netns|daemon-rig))
TESTS_ENCODER  := $(filter-out $(TESTS_FULL),$(call includes_any,encoder/|libav|libsw|xf86drm|va/|lib/rtp-receive))
TESTS_PROTOCOL := $(filter-out $(TESTS_FULL) $(TESTS_ENCODER),$(UNIT_SRC))
TESTLIB_PROTOCOL := tests/lib/test.c tests/lib/test-util.c tests/lib/ts-check.c
TESTLIB_ENCODER  := $(TESTLIB_PROTOCOL) tests/lib/rtp-receive.c
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
ifneq ($(STREAM_SRC),)
PROGRAMS += $(BUILD)/miracastd-stream
endif
ifneq ($(KMS_SRC),)
PROGRAMS += $(BUILD)/miracastd-kms
endif
ifneq ($(CTL_SRC),)
PROGRAMS += $(BUILD)/miracastctl
endif
ifneq ($(SINK_SRC),)
PROGRAMS += $(BUILD)/miracast-test-sink
endif
ifneq ($(APP_SRC),)
PROGRAMS += $(BUILD)/miracast-cast
endif
ifneq ($(USER_SRC),)
PROGRAMS += $(BUILD)/miracastd-user
endif
TEST_BINS   := $(patsubst %.c,$(BUILD)/tests/%,$(notdir $(UNIT_SRC)))
REPLAY_BINS := $(patsubst fuzz-%.c,$(BUILD)/tests/fuzz-replay-%,$(notdir $(FUZZ_SRC)))
FUZZ_BINS   := $(patsubst fuzz-%.c,$(BUILD)/fuzz/fuzz-%,$(notdir $(FUZZ_SRC)))
BENCH_BINS  := $(patsubst %.c,$(BUILD)/%,$(notdir $(BENCH_SRC)))

.PHONY: all tests check run-check fuzz bench demo e2e install lint soak screenshots gnome-shell-test clean deps deb
.DELETE_ON_ERROR:
# Keep objects made by chained pattern rules (fuzz, bench), so nothing rebuilds needlessly.
.SECONDARY:

all: $(PROGRAMS)

tests: $(PROGRAMS) $(TEST_BINS) $(REPLAY_BINS) $(BENCH_BINS) $(BUILD)/tests/pw-test-producer $(BUILD)/tests/pw-test-tone \
       $(BUILD)/tests/fake-kms-helper $(BUILD)/tests/kms-grab

# ---- compile rules --------------------------------------------------------

# protocol/ gets no pkg-config flags on purpose: libc only.
$(BUILD)/protocol/%.o: protocol/%.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -c $< -o $@
	$(call layer_check,protocol)

$(BUILD)/encoder/%.o: encoder/%.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) $(ENCODER_CFLAGS) -c $< -o $@
	$(call layer_check,encoder)

# daemon/ uses encoder/ through its headers, which therefore need no FFmpeg/libdrm/libva headers.
$(BUILD)/daemon/%.o: daemon/%.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) $(SYSTEMD_CFLAGS) -c $< -o $@
	$(call layer_check,daemon)

# main.c wires the layers together: the one daemon/ file that may include dbus/.
$(BUILD)/daemon/main.o: daemon/main.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) $(SYSTEMD_CFLAGS) -c $< -o $@
	$(call layer_check,dbus)

# Where main looks for miracastd-stream when it is not next to the running binary.
LIBEXECDIR ?= $(PREFIX)/libexec/miracastd
$(BUILD)/daemon/stream_worker.o: CFLAGS += -DMIRACASTD_LIBEXECDIR='"$(LIBEXECDIR)"'
$(BUILD)/stream/kms_spawn.o: CFLAGS += -DMIRACASTD_LIBEXECDIR='"$(LIBEXECDIR)"'

# The KMS helper: the capture core and its kms backend, libdrm only (no FFmpeg, PipeWire, libsystemd);
# EGL, GLES and GBM (encoder/kms_gpu.c) and libva (encoder/kms_va.c) are dlopen()ed for a tiled scan-out only.
$(BUILD)/kms/%.o: kms/%.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) $(ENCODER_CFLAGS) -c $< -o $@

$(BUILD)/stream/%.o: stream/%.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) $(SYSTEMD_CFLAGS) -c $< -o $@
	$(call layer_check,stream)

$(BUILD)/dbus/%.o: dbus/%.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) $(SYSTEMD_CFLAGS) -c $< -o $@
	$(call layer_check,dbus)

$(BUILD)/desktop/app/%.o: desktop/app/%.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) $(APP_CFLAGS) -c $< -o $@
	$(call layer_check,app)

$(BUILD)/user-session/%.o: user-session/%.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) $(USER_CFLAGS) -c $< -o $@
	$(call layer_check,user)

# Tests may include anything; what they link is decided below.
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

# main links no media library: the encoder layer runs in miracastd-stream (check with ldd). Of
# encoder/ only the pure capture spec parser (config and Cast options are checked in main).
$(BUILD)/miracastd: $(call obj,daemon/main.c) $(LIBDBUS) $(LIBDAEMON) $(BUILD)/encoder/capture_spec.o $(LIBPROTOCOL)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(SYSTEMD_LIBS) $(LDLIBS)

KMS_HELPER_OBJ := $(call obj,$(KMS_SRC) encoder/capture.c encoder/capture_kms.c encoder/capture_spec.c \
                  encoder/capture_testsrc.c encoder/capture_kms_client.c encoder/kms_helper.c encoder/kms_gpu.c encoder/kms_va.c \
                  daemon/log.c)
$(BUILD)/miracastd-kms: $(KMS_HELPER_OBJ) $(LIBPROTOCOL)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(call lazy,DRM_LIBS,$(call pkg,--libs,libdrm)) $(LDLIBS)

$(BUILD)/miracastd-stream: $(call obj,$(STREAM_SRC)) $(BUILD)/daemon/log.o $(LIBENCODER) $(LIBPROTOCOL)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(ALL_LIBS) $(LDLIBS)

# The CLI talks D-Bus only: no FFmpeg, libdrm or libva (check with ldd).
$(BUILD)/miracastctl: $(call obj,$(CTL_SRC)) $(LIBDBUS) $(LIBPROTOCOL)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(SYSTEMD_LIBS) $(LDLIBS)

$(BUILD)/miracast-test-sink: $(call obj,$(SINK_SRC)) $(LIBPROTOCOL)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(SINK_LIBS) $(LDLIBS)

# The desktop app links GTK and libadwaita only, none of the daemon's archives.
$(BUILD)/miracast-cast: $(call obj,$(APP_SRC))
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(APP_LIBS) $(LDLIBS)

# The user-session component: its own files, the libc-only log.c, the protocol/ writers.
$(BUILD)/miracastd-user: $(call obj,$(USER_SRC) daemon/log.c encoder/audio_pipewire.c) $(LIBPROTOCOL)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(USER_LIBS) $(LDLIBS)

$(BUILD)/bench-%: $(BUILD)/tests/bench/bench-%.o $(LIBENCODER) $(LIBPROTOCOL)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(ENCODER_LIBS) $(LDLIBS)

# ---- tests ----------------------------------------------------------------

test_bin = $(patsubst %.c,$(BUILD)/tests/%,$(notdir $(1)))
$(call test_bin,$(TESTS_PROTOCOL)): $(call obj,$(TESTLIB_PROTOCOL)) $(LIBPROTOCOL)
$(call test_bin,$(TESTS_ENCODER)):  $(call obj,$(TESTLIB_ENCODER)) $(LIBENCODER) $(LIBPROTOCOL)
$(call test_bin,$(TESTS_ENCODER)):  TEST_LIBS = $(ENCODER_LIBS)
$(call test_bin,$(TESTS_FULL)):     $(call obj,$(TESTLIB_SRC)) $(ALL_LIBS_A)
$(call test_bin,$(TESTS_FULL)):     TEST_LIBS = $(ALL_LIBS)

define test_rule
$(call test_bin,$(1)): $(call obj,$(1))
	@echo "  LD      $$@"
	$$(Q)$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(TEST_LIBS) $$(LDLIBS)
endef
$(foreach t,$(UNIT_SRC),$(eval $(call test_rule,$(t))))

# A stand-in libva for test-kms-va (loaded by path: MIRACASTD_TEST_LIBVA_DIR, a test hook): one
# source, both sonames encoder/kms_va.c dlopen()s. Not sanitized: a plain shared object.
FAKE_LIBVA := $(BUILD)/tests/fake-libva/libva.so.2 $(BUILD)/tests/fake-libva/libva-drm.so.2
$(FAKE_LIBVA): tests/lib/fake-libva.c
	@mkdir -p $(@D)
	@echo "  CCLD    $@"
	$(Q)$(CC) -std=gnu11 -O1 -g -Wall -Wextra -Werror -Wno-unused-parameter -D_GNU_SOURCE -fPIC -shared \
		-fvisibility=hidden -Wl,-soname,$(notdir $@) -o $@ $<
$(BUILD)/tests/test-kms-va: | $(FAKE_LIBVA)

# A PipeWire video producer for tests/integration/pipewire-capture.sh.
$(BUILD)/tests/pw-test-producer: $(BUILD)/tests/pipewire/pw-test-producer.o
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(ALL_LIBS) $(LDLIBS)

# A PipeWire sound producer (a tone, or beeps on the second) for tests/integration/user-session-audio.sh.
$(BUILD)/tests/pw-test-tone: $(BUILD)/tests/pipewire/pw-test-tone.o
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(ALL_LIBS) $(LDLIBS)
# Drives the portal client (user-session/screencast_portal.c) alone against a real desktop portal
# (tests/desktop/sway-portal.sh).
tests: $(BUILD)/tests/screencast-client
$(BUILD)/tests/screencast-client: $(call obj,tests/desktop/screencast-client.c user-session/screencast_portal.c user-session/sway_output.c daemon/log.c)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(SYSTEMD_LIBS) $(LDLIBS)

# One picture from the real KMS helper as a PPM, for scenario capture in the VM (tests/kms/kms-grab.c).
$(BUILD)/tests/kms-grab: $(call obj,tests/kms/kms-grab.c encoder/kms_helper.c encoder/capture.c encoder/capture_spec.c \
                           encoder/capture_testsrc.c encoder/capture_kms_client.c kms/no_pipewire.c) \
                         $(BUILD)/encoder/capture_kms.o $(BUILD)/encoder/kms_gpu.o $(BUILD)/encoder/kms_va.o $(LIBPROTOCOL)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(call lazy,DRM_LIBS,$(call pkg,--libs,libdrm)) $(LDLIBS)

# A fake KMS helper (a test picture for a scan-out) for tests/integration/kms-helper.sh.
$(BUILD)/tests/fake-kms-helper: $(call obj,tests/kms/fake-kms-helper.c encoder/capture.c encoder/capture_spec.c \
                                  encoder/capture_testsrc.c encoder/capture_kms_client.c encoder/kms_helper.c kms/no_pipewire.c) \
                                $(BUILD)/encoder/capture_kms.o $(BUILD)/encoder/kms_gpu.o $(BUILD)/encoder/kms_va.o $(LIBPROTOCOL)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(ENCODER_LIBS) $(LDLIBS)

$(BUILD)/tests/fuzz-replay-%: $(BUILD)/tests/fuzz/fuzz-%.o $(call obj,tests/fuzz/replay-main.c tests/lib/test-util.c) $(LIBPROTOCOL)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The targets a newcomer types first (check, demo, bench, e2e, soak, fuzz) install what is
# missing first and only then run a second make, so nothing asks pkg-config before the
# packages are there.

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

fuzz: deps
	$(Q)$(MAKE) --no-print-directory $(FUZZ_BINS)
	$(Q)FUZZ_MERGE=$(FUZZ_MERGE) tools/run-fuzz.sh $(BUILD)/fuzz $(FUZZ_SECONDS)

# ---- the rest ---------------------------------------------------------------

bench: deps
	$(Q)$(MAKE) --no-print-directory all $(BENCH_BINS) $(BUILD)/tests/pw-test-producer
	$(Q)tools/bench.sh $(BUILD)

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tools/demo.sh $(BUILD)

e2e: deps
	$(Q)$(MAKE) --no-print-directory all $(BUILD)/tests/screencast-client $(BUILD)/tests/test-sink-bus $(BUILD)/tests/pw-test-tone $(BUILD)/tests/kms-grab
	$(Q)tools/build-xdpw-nogpu.sh || echo "e2e: no GPU-less xdg-desktop-portal-wlr (its Debian source is needed): sway-portal skips"
	$(Q)MIRACAST_BUILD=$(abspath $(BUILD)) bash tests/desktop/sway-portal.sh $(BUILD) || \
		{ echo "sway-portal: failed once; one retry (a new headless output's first frame can be late)"; \
		  MIRACAST_BUILD=$(abspath $(BUILD)) bash tests/desktop/sway-portal.sh $(BUILD); }
	$(Q)bash tests/desktop/gnome-shell-extension.sh $(BUILD) $(BUILD)/screenshots
	$(Q)bash tests/desktop/gnome-portal.sh $(BUILD) $(BUILD)/gnome-portal
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

# Debian packages (debian/) built by dpkg-buildpackage and checked by lintian, into $(BUILD)/deb.
deb:
	$(Q)tools/build-deb.sh $(BUILD)/deb

# The desktop app under Xvfb (test-desktop-app) and the GNOME Shell extension in a headless
# GNOME Shell 48 (tests/desktop/gnome-shell-extension.sh; its trixie chroot is built once, ~3 min),
# both against a real daemon; prints each PNG's path.
screenshots: deps
	$(Q)$(MAKE) --no-print-directory all $(BUILD)/tests/test-desktop-app
	$(Q)rm -rf $(BUILD)/screenshots && mkdir -p $(BUILD)/screenshots
	$(Q)MIRACAST_BUILD=$(abspath $(BUILD)) MIRACAST_SCREENSHOT_DIR=$(abspath $(BUILD)/screenshots) \
		$(BUILD)/tests/test-desktop-app >$(BUILD)/screenshots/test.log 2>&1 || { cat $(BUILD)/screenshots/test.log; exit 1; }
	$(Q)bash tests/desktop/gnome-shell-extension.sh $(BUILD) $(BUILD)/screenshots >$(BUILD)/screenshots/shell.log 2>&1 || \
		{ cat $(BUILD)/screenshots/shell.log; exit 1; }
	$(Q)for f in $(BUILD)/screenshots/*.png; do echo "screenshot: $(abspath $(BUILD))/screenshots/$${f##*/}"; done

# The GNOME Shell extension alone, in headless GNOME Shell 48 (also part of e2e).
gnome-shell-test: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)bash tests/desktop/gnome-shell-extension.sh $(BUILD) $(BUILD)/screenshots

install: all
	$(Q)tools/install.sh "$(DESTDIR)" "$(PREFIX)" "$(BUILD)"

clean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
