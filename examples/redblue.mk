# The red/blue lab as make targets: two network namespaces joined by a veth
# cable, 10.0.0.1/24 in red and 10.0.0.2/24 in blue.
#
#   make -f examples/redblue.mk up ping down
#
# Every recipe can run again: `up` on a lab that is already up succeeds
# (the tools' -p flag: already there is success), and so does `down` when
# there is nothing to remove (-f). Needs root, as `ip netns add` does.
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

.PHONY: up ping down

up:
	$(NSADD) -p red blue
	$(VETHPAIR) -p -n red veth-red --peer-netns blue veth-blue
	$(IPASSIGN) -p -n red veth-red 10.0.0.1/24
	$(IPASSIGN) -p -n blue veth-blue 10.0.0.2/24
	$(LINKUP) -n red veth-red
	$(LINKUP) -n blue veth-blue

ping: up
	$(NSPING) -n red -c 3 10.0.0.2
	$(NSEXEC) blue $(NSPING) -c 3 10.0.0.1

down:
	$(NSADD) -d -f red blue
