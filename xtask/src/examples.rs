//! `cargo xtask examples`: `examples/redblue.mk`, `examples/redblue.sh`
//! and `examples/torus.sh` (4x4 and 10x10, alone and over machines) run
//! against the built binaries, each inside a fresh sandbox.

use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context, Result};
use testkit::sandbox;

use crate::flags::Subcommand;
use crate::reexec::{self, Interrupted};
use crate::{dist, paths, tools};

pub const COMMAND: Subcommand = Subcommand {
    name: "examples",
    synopsis: "",
    about: "dist, then examples/redblue.mk, examples/redblue.sh and\n\
            examples/torus.sh (4x4 and 10x10, also over 2 and 4\n\
            machines) in a sandbox.",
    run: |args| {
        args.end()?;
        run()
    },
    helpers: &[],
};

/// The Makefile: `up` twice (idempotent), `ping`, `down` twice (nothing to
/// remove is fine), and nothing may be left. Then with a red that someone
/// else made: `up` fails, and neither it nor `down` touches that red.
const MAKEFILE: &str = r#"
set -eux
make -f examples/redblue.mk BIN="$BIN" up
make -f examples/redblue.mk BIN="$BIN" up
make -f examples/redblue.mk BIN="$BIN" ping
make -f examples/redblue.mk BIN="$BIN" down
make -f examples/redblue.mk BIN="$BIN" down
test -z "$(ls /run/netns)"
ip netns add red; ip -n red link add theirs type veth peer name theirs-peer
if make -f examples/redblue.mk BIN="$BIN" up; then
    echo "redblue.mk up moved into someone else's red" >&2
    exit 1
fi
make -f examples/redblue.mk BIN="$BIN" down
test "$(ls /run/netns)" = red
ip -n red link show theirs
"#;

/// The script: it must succeed and leave nothing; with a failing `nsping`
/// it must fail and its trap must still leave nothing; and with a red that
/// someone else made it must fail and leave that red alone.
const SCRIPT: &str = r#"
set -eux
sh examples/redblue.sh
test -z "$(ls /run/netns)"
mkdir /run/broken
for tool in $TOOLS; do ln -s "$BIN/$tool" /run/broken/; done
rm /run/broken/nsping
printf '#!/bin/sh\necho "nsping: broken on purpose" >&2\nexit 1\n' >/run/broken/nsping
chmod +x /run/broken/nsping
if BIN=/run/broken sh examples/redblue.sh; then
    echo "redblue.sh succeeded with a broken nsping" >&2
    exit 1
fi
test -z "$(ls /run/netns)"
ip netns add red; ip -n red link add theirs type veth peer name theirs-peer
if sh examples/redblue.sh; then
    echo "redblue.sh succeeded with someone else's red" >&2
    exit 1
fi
test "$(ls /run/netns)" = red
ip -n red link show theirs
"#;

/// The torus at 4x4 and 10x10, and split over 2 and 4 machines: built,
/// pinged and taken down, each phase timed, nothing left. With a namespace of its name already there, it
/// makes nothing and leaves that one alone.
const TORUS: &str = r#"
set -eux
sh examples/torus.sh 4 4
test -z "$(ls /run/netns)"
sh examples/torus.sh 10 10
test -z "$(ls /run/netns)"
sh examples/torus.sh --hosts 2 4 4
sh examples/torus.sh --hosts 4 10 10
test -z "$(ls /run/netns)"
ip netns add t3-2
if sh examples/torus.sh 4 4; then
    echo "torus.sh built a torus around someone else's t3-2" >&2
    exit 1
fi
test "$(ls /run/netns)" = t3-2
"#;

pub fn run() -> Result<()> {
    if paths::which("make").is_none() {
        bail!("make is not installed (apt-get install make)");
    }
    let dist = dist::run(&dist::Options::default())?;
    for (name, script) in [
        ("examples/redblue.mk", MAKEFILE),
        ("examples/redblue.sh", SCRIPT),
        ("examples/torus.sh", TORUS),
    ] {
        println!("examples: {name} in a sandbox");
        in_sandbox(script, &dist.dir).with_context(|| format!("{name} failed"))?;
    }
    println!("examples: passed");
    Ok(())
}

fn in_sandbox(script: &str, bin: &Path) -> Result<()> {
    let mut shell = Command::new("/bin/sh");
    shell
        .arg("-c")
        .arg(script)
        .current_dir(paths::root())
        .env("BIN", bin)
        .env("TOOLS", tools::TOOLS.join(" "));
    sandbox::isolate(&mut shell);
    let ended = reexec::run(shell)?;
    if let Some(status) = ended.interrupted_status() {
        return Err(Interrupted(status).into());
    }
    if !ended.status.success() {
        bail!("{}", ended.status);
    }
    Ok(())
}
