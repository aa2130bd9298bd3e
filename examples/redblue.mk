# The red/blue lab as make targets: two network namespaces joined by a veth
# cable, 10.0.0.1/24 in red and 10.0.0.2/24 in blue.
#
#   make -f examples/redblue.mk up ping down
#
# Every recipe can run again: `up` on a lab that is already up succeeds
# (the tools' -p flag: already there is success), and so does `down` when
# there is nothing to remove. Needs root, as `ip netns add` does.
#
# `up` records which namespaces it made in $(LAB) (their inode numbers: a
# namespace's identity), and `down` removes red and blue only while they are
# still those: a red or blue that someone else made is never touched, and
# `up` fails on it (nsadd makes both or neither) instead of moving in.
#
# BIN is where the tools are: target/dist (`cargo xtask dist`) by default;
# `make BIN=/usr/local/bin ...` for an installed copy, or `make BIN= ...`
# to take them from PATH.

HERE := $(dir $(abspath $(lastword $(MAKEFILE_LIST))))
BIN ?= $(abspath $(HERE)../target/dist)

tool = $(if $(BIN),$(BIN)/$(1),$(1))
NSADD    = $(call tool,nsadd)
NSEXEC   = $(call tool,nsexec)
VETHPAIR = $(call tool,vethpair)
IPASSIGN = $(call tool,ipassign)
LINKUP   = $(call tool,linkup)
NSPING   = $(call tool,nsping)

LAB ?= /run/redblue.lab
lab_ids = stat -L -c '%i %n' /run/netns/red /run/netns/blue 2>/dev/null

.PHONY: up ping down

up:
	$(lab_ids) | cmp -s - $(LAB) || { $(NSADD) red blue && $(lab_ids) > $(LAB); }
	$(VETHPAIR) -p -n red veth-red --peer-netns blue veth-blue
	$(IPASSIGN) -p -n red veth-red 10.0.0.1/24
	$(IPASSIGN) -p -n blue veth-blue 10.0.0.2/24
	$(LINKUP) -n red veth-red
	$(LINKUP) -n blue --wait veth-blue

ping: up
	$(NSPING) -n red -c 3 10.0.0.2
	$(NSEXEC) blue $(NSPING) -c 3 10.0.0.1

down:
	@if $(lab_ids) | cmp -s - $(LAB); then set -x; $(NSADD) -d red blue; \
	elif [ -e /run/netns/red ] || [ -e /run/netns/blue ]; then \
	    echo "redblue.mk: red and blue are not the ones 'make up' made; left alone" >&2; fi
	rm -f $(LAB)
