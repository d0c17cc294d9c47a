# vfio-warden build. `make` builds the CLI (BPF skeleton embedded); `make check`
# runs host unit tests (ASan/UBSan) then the VM selftests; `make demo` boots a
# VM and shows the audit log; `make deps` installs build/test dependencies;
# `make install` installs the CLI, policies, systemd unit and logrotate snippet.
CC        ?= gcc
CLANG     ?= clang
BPFTOOL   ?= bpftool
B         := build
ARCH      := x86
CFLAGS    ?= -O2 -g
CFLAGS    += -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Iinclude $(USER_INC) -I$(B)
LIBBPF_LIBS := $(shell pkg-config --libs libbpf 2>/dev/null || echo -lbpf -lelf -lz)
LDLIBS    += $(LIBBPF_LIBS) -lyaml -ljson-c -lmicrohttpd -laudit -lsystemd
SAN       := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
# The VM matrix: every kernel the selftests (and `make attack`) boot. 7.3 has
# only fully preemptible modes; 6.12:preempt=full boots 6.12 that way too;
# 6.12:lockdown=integrity is what a UEFI Secure Boot host runs.
KERNELS   ?= 6.12 6.1 7.3 6.12:preempt=full 6.12:lockdown=integrity

# install: PREFIX for the binary and the unit, DESTDIR for staging (packages, tests).
# The configuration lives in /etc whatever PREFIX is: the unit names it.
PREFIX         ?= /usr/local
DESTDIR        ?=
SBINDIR        ?= $(PREFIX)/sbin
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
CONFDIR        := /etc/vfio-warden
LOGROTATEDIR   := /etc/logrotate.d
# policy.yaml is the operator's: install creates it from default.yaml once
POLICY_FILES   := $(filter-out policies/policy.yaml,$(wildcard policies/*.yaml))

# user/ in three layers (README: Layout): lib/ (no libbpf: host-tested and fuzzed),
# loader/ (libbpf: load, pin, maps, ring buffer), cli/ (argp, one file per command).
USER_DIRS := user/lib user/loader user/cli
USER_INC  := $(addprefix -I,$(USER_DIRS))
USER_SRCS := $(wildcard $(addsuffix /*.c,$(USER_DIRS)))
USER_HDRS := $(wildcard $(addsuffix /*.h,$(USER_DIRS)))
USER_OBJS := $(patsubst user/%.c,$(B)/user/%.o,$(USER_SRCS))
LIB_OBJS  := $(filter-out $(B)/user/cli/main.o,$(USER_OBJS))
SAN_OBJS  := $(patsubst $(B)/user/%.o,$(B)/san/%.o,$(LIB_OBJS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(B)/unit/%,$(UNIT_SRCS))
BPF_HDRS  := $(wildcard bpf/*.h) $(wildcard bpf/arch/*.h) $(wildcard include/*.h)
TEST_BPF_HDRS := $(wildcard tests/bpf/*.h)
# Every BPF object is built alike, so the selftest object runs the bytecode the product runs.
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) -D__VW_BPF__ -Iinclude -Ibpf/vmlinux/$(ARCH)
# Generated cases shared by the host unit tests and the VM bytecode test (tests/vm/bytecode.c).
CASE_HDRS := $(wildcard tests/cases/*.h)
VM_SRCS   := $(wildcard tests/vm/*.c) $(wildcard tests/cases/*.c)
VM_BINS   := $(B)/vm/vw-selftest

.PHONY: all clean check unit vmtest demo bench deps fuzz install attack uninstall vmlinux-h
# keep sanitizer objects between test builds
.SECONDARY:
all: $(B)/vfio-warden $(VM_BINS)

deps:
	VW_KERNELS="$(KERNELS)" scripts/install-deps.sh

$(B) $(B)/san/cases $(B)/unit $(B)/vm:
	mkdir -p $@

# Kernel types, vendored per architecture as libbpf-tools does: CO-RE relocates
# them against the running kernel's BTF at load, so the build host needs no BTF
# of its own (a container, a kernel without BTF) and every build sees the same
# types. Module types (vfio) are declared in bpf/vfio_types.h with CO-RE flavours.
# `make vmlinux-h` regenerates it from the matrix's Debian 6.12 kernel (one VM boot).
VMLINUX_H := bpf/vmlinux/$(ARCH)/vmlinux.h

$(B)/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS) $(VMLINUX_H) | $(B)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@
	llvm-strip -g $@ 2>/dev/null || true

# Test-only BPF objects live beside their tests (tests/bpf), built alike.
$(B)/%.bpf.o: tests/bpf/%.bpf.c $(BPF_HDRS) $(TEST_BPF_HDRS) $(VMLINUX_H) | $(B)
	$(CLANG) $(BPF_CFLAGS) -Itests/bpf -c $< -o $@
	llvm-strip -g $@ 2>/dev/null || true

$(B)/warden.skel.h: $(B)/warden.bpf.o
	$(BPFTOOL) gen skeleton $< name warden > $@.tmp && mv $@.tmp $@

# The shared judges as BPF bytecode, for the VM selftest only: never in vfio-warden.
# It holds the generated cases in the layouts tests/cases defines.
$(B)/selftest.bpf.o: BPF_CFLAGS += -Itests/cases
$(B)/selftest.bpf.o: $(CASE_HDRS)
$(B)/selftest.skel.h: $(B)/selftest.bpf.o
	$(BPFTOOL) gen skeleton $< name vw_selftest > $@.tmp && mv $@.tmp $@

$(B)/user/%.o: user/%.c $(USER_HDRS) $(wildcard include/*.h) $(B)/warden.skel.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

# The built-in default policy is policies/default.yaml, embedded with .incbin.
$(B)/user/lib/policy_default.o: policies/default.yaml

$(B)/vfio-warden: $(USER_OBJS)
	$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

# Host unit tests: the user-space library and include/ under ASan and UBSan.
$(B)/san/%.o: user/%.c $(USER_HDRS) $(wildcard include/*.h) $(B)/warden.skel.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SAN) -c $< -o $@
$(B)/san/lib/policy_default.o: policies/default.yaml

$(B)/san/cases/%.o: tests/cases/%.c $(CASE_HDRS) $(wildcard include/*.h) | $(B)/san/cases
	$(CC) $(CFLAGS) $(SAN) -Itests/cases -c $< -o $@

# The unit tests whose generated cases tests/vm/bytecode.c runs through BPF too.
$(B)/unit/test_decide: $(B)/san/cases/decide_cases.o
$(B)/unit/test_tph: $(B)/san/cases/tph_cases.o $(B)/san/cases/tph_rev_cases.o

$(B)/unit/%: tests/unit/%.c tests/include/vw_test.h $(CASE_HDRS) $(SAN_OBJS) | $(B)/unit
	$(CC) $(CFLAGS) $(SAN) -Itests/include -Itests/cases $< $(filter $(B)/san/cases/%,$^) $(SAN_OBJS) \
		$(LDLIBS) -o $@

# test_install.sh stages `make install` into a temporary DESTDIR (the binary it
# installs is built here first, so the nested make has nothing to build).
unit: $(UNIT_BINS) $(B)/vfio-warden
	tests/unit/run.sh $(UNIT_BINS) tests/unit/test_install.sh tests/unit/test_layers.sh tests/unit/test_cli.sh \
		tests/unit/test_apt_upgrade.sh tests/unit/test_paths.py

# The dump parser and walker under libFuzzer: short in `make check`, longer here.
FUZZ_SECONDS ?= 300
fuzz:
	tests/fuzz/run.sh $(FUZZ_SECONDS)

# Empty programs on vfio-warden's hooks: make bench's floor (tests/vm/bench.c).
$(B)/bench.skel.h: $(B)/bench.bpf.o
	$(BPFTOOL) gen skeleton $< name vw_bench > $@.tmp && mv $@.tmp $@

# The VM tests' table: every VW_TEST line of tests/vm (tests/vm/vmtest.h), in file order.
$(B)/vm/vw-tests.inc: $(wildcard tests/vm/*.c) | $(B)/vm
	sed -n 's/^VW_TEST(\(.*\))$$/VW_T(\1)/p' $(sort $(wildcard tests/vm/*.c)) > $@.tmp && mv $@.tmp $@

$(B)/vm/vw-selftest: $(VM_SRCS) $(wildcard tests/vm/*.h) $(CASE_HDRS) $(BPF_HDRS) $(TEST_BPF_HDRS) \
		$(B)/selftest.skel.h $(B)/bench.skel.h $(B)/vm/vw-tests.inc | $(B)/vm
	$(CC) $(CFLAGS) -DVW_TEST_EXTERN -Itests/vm -Itests/include -Itests/bpf -I$(B)/vm -Itests/cases -Ibpf \
		-Iinclude $(VM_SRCS) -luring -lpthread $(LIBBPF_LIBS) -ljson-c -laudit -o $@

# T=NAME[,NAME]: only those tests or features (vw-selftest -l lists them).
vmtest: all
	VW_T="$(T)" tests/vm/run-matrix.sh $(KERNELS)

# The README's two commands. Each installs what it needs first (as root), then
# builds in a sub-make, so the toolchain exists before anything is compiled.
check: deps
	$(MAKE) all
	tests/check.sh "$(KERNELS)"

demo:
	$(MAKE) deps KERNELS=6.12
	$(MAKE) all
	tests/vm/demo.sh

vmlinux-h:
	mkdir -p $(B)/btf-run
	tests/vm/boot.sh --kernel 6.12 --rwdir $(B)/btf-run -- bash -c \
		'bpftool btf dump file /sys/kernel/btf/vmlinux format c > "$$VW_RWDIR/vmlinux.h"'
	mkdir -p $(dir $(VMLINUX_H))
	mv $(B)/btf-run/vmlinux.h $(VMLINUX_H)

# Benchmarks are not tests: no thresholds, just the table (see README).
bench:
	$(MAKE) deps KERNELS=6.12
	$(MAKE) all
	tests/vm/bench.sh

# Files only: no systemctl here (DESTDIR may be a staging tree). See README,
# "Install as a service", for daemon-reload/enable.
install: $(B)/vfio-warden
	install -d -m 0755 "$(DESTDIR)$(SBINDIR)" "$(DESTDIR)$(CONFDIR)" \
		"$(DESTDIR)$(SYSTEMDUNITDIR)" "$(DESTDIR)$(LOGROTATEDIR)"
	install -m 0755 $(B)/vfio-warden "$(DESTDIR)$(SBINDIR)/vfio-warden"
	install -m 0644 $(POLICY_FILES) policies/README.md "$(DESTDIR)$(CONFDIR)/"
	@# never overwrite the operator's policy (nor a symlink they put there)
	@if [ -e "$(DESTDIR)$(CONFDIR)/policy.yaml" ] || [ -L "$(DESTDIR)$(CONFDIR)/policy.yaml" ]; then \
		echo "keeping the existing $(DESTDIR)$(CONFDIR)/policy.yaml"; \
	else \
		install -m 0644 policies/default.yaml "$(DESTDIR)$(CONFDIR)/policy.yaml"; \
	fi
	sed 's|@SBINDIR@|$(SBINDIR)|g' packaging/vfio-warden.service.in \
		> "$(DESTDIR)$(SYSTEMDUNITDIR)/vfio-warden.service.tmp"
	chmod 0644 "$(DESTDIR)$(SYSTEMDUNITDIR)/vfio-warden.service.tmp"
	mv -f "$(DESTDIR)$(SYSTEMDUNITDIR)/vfio-warden.service.tmp" "$(DESTDIR)$(SYSTEMDUNITDIR)/vfio-warden.service"
	install -m 0644 packaging/vfio-warden.logrotate "$(DESTDIR)$(LOGROTATEDIR)/vfio-warden"

# Everything install put there except policy.yaml (the operator's); the
# directory goes only if that left it empty. Logs in /var/log stay.
uninstall:
	rm -f "$(DESTDIR)$(SBINDIR)/vfio-warden" "$(DESTDIR)$(SYSTEMDUNITDIR)/vfio-warden.service" \
		"$(DESTDIR)$(LOGROTATEDIR)/vfio-warden"
	rm -f $(foreach f,$(notdir $(POLICY_FILES)) README.md,"$(DESTDIR)$(CONFDIR)/$(f)")
	if [ -d "$(DESTDIR)$(CONFDIR)" ]; then rmdir --ignore-fail-on-non-empty "$(DESTDIR)$(CONFDIR)"; fi

# The long adversarial campaign (the selftests run a short one): see README.
attack: deps
	$(MAKE) all
	tests/vm/attack.sh $(KERNELS)

clean:
	rm -rf $(B)
