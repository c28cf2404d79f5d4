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

.PHONY: all modules test-modules userspace deps check check-debug demo bench clean lint

all: modules test-modules userspace

deps:
	@tools/install-deps.sh

modules: deps
	$(KMAKE) M=$(CURDIR)/kernel modules

test-modules: modules
	$(KMAKE) M=$(CURDIR)/tests/kmod \
		KBUILD_EXTRA_SYMBOLS=$(CURDIR)/kernel/Module.symvers modules

userspace: deps
	$(MAKE) -C tests/progs

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
	rm -rf build

lint: modules
	tools/lint.sh
