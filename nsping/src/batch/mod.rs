//! `nsping --batch FILE`: many targets from one process, as `fping -c`.
//! Each line of FILE is `[-n NS] HOST`; the options beside `--batch`
//! apply to them all (COUNT defaults to 1, as in fping). The file is read
//! whole first, every socket opened (a bad line stops the batch before
//! any probe, named `FILE:LINE`), then every target is probed at once and
//! reported in the file's order.

mod fleet;
mod report;
mod targets;

use std::process::ExitCode;

use anyhow::anyhow;
use nscore::batch::Batch;
use nscore::cli::{io_reason, Tool};
use rustix::process::{getrlimit, setrlimit, Resource};

use crate::check_interval;
use crate::options::Options;
use crate::signals::Signals;

pub fn run(tool: &Tool, batch: &Batch, mut o: Options) -> anyhow::Result<ExitCode> {
    if o.deadline.is_none() {
        o.count = o.count.or(Some(1));
    }
    check_interval(&o)?;
    // A socket per namespace and family: as many as the hard limit allows.
    let mut limit = getrlimit(Resource::Nofile);
    limit.current = limit.maximum;
    let _ = setrlimit(Resource::Nofile, limit);
    let targets = targets::read(&o, batch)?;
    let signals =
        Signals::install().map_err(|e| anyhow!("cannot set signal handlers: {}", io_reason(&e)))?;
    let mut fleet = fleet::Fleet::new(&o, targets)?;
    fleet.run(&signals)?;
    report::print(tool, &o, &fleet)
}
