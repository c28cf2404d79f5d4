# ib_core_lite top-level Makefile.
#   make          build both modules (and the test module and programs)
#   make check    build, boot Debian's kernel in QEMU, run every suite
#   make check-debug  the same on a debug kernel (lockdep, KASAN, ...)
#   make demo     the guided demonstration, in a guest
#   make bench    rxe_lite against Linux's rxe in one guest (a benchmark)
# The kernel version comes from the installed image + headers pair
# (tools/guest/kver.sh), never from the running kernel; override with
# KVER=... or KDIR=....

SHELL := /bin/bash
KVER ?= $(shell tools/guest/kver.sh)
KDIR ?= /lib/modules/$(KVER)/build
W ?= 1
KMAKE = $(MAKE) -C $(KDIR) W=$(W)

.PHONY: all modules test-modules alt-module userspace deps check check-debug demo bench clean lint

all: modules test-modules alt-module userspace

deps:
	@tools/install-deps.sh

modules: deps
	$(KMAKE) M=$(CURDIR)/kernel modules

test-modules: modules
	$(KMAKE) M=$(CURDIR)/tests/kmod \
		KBUILD_EXTRA_SYMBOLS=$(CURDIR)/kernel/Module.symvers modules

# A second build of rxe_lite with another version string, for the upgrade
# drill (tools/drill-upgrade.sh): same sources, built in build/alt against
# this tree's core.
ALT_DIR := $(CURDIR)/build/alt
alt-module: modules
	@mkdir -p $(ALT_DIR)/drivers/rxe_lite
	@ln -sfn $(CURDIR)/kernel/include $(ALT_DIR)/include
	@cp -u kernel/drivers/rxe_lite/*.[ch] kernel/drivers/rxe_lite/Kbuild \
		$(ALT_DIR)/drivers/rxe_lite/
	$(KMAKE) M=$(ALT_DIR)/drivers/rxe_lite RXE_LITE_VERSION=0.1-alt \
		KBUILD_EXTRA_SYMBOLS=$(CURDIR)/kernel/Module.symvers modules

userspace: deps
	$(MAKE) -C tests/progs
	$(MAKE) -C userspace

check: all
	@tests/run-check.sh

check-debug: all
	@tests/run-check-debug.sh

demo: all
	@tools/demo.sh

bench: all
	@tools/bench.sh

clean:
	-$(KMAKE) M=$(CURDIR)/kernel clean
	-$(KMAKE) M=$(CURDIR)/tests/kmod clean
	-$(MAKE) -C tests/progs clean
	-$(MAKE) -C userspace clean
	rm -rf build

lint: modules
	tools/lint.sh
