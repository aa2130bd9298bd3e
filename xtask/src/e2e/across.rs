//! `e2e --two-hosts` inside the lab: the tutorial across two machines,
//! where the machines are namespaces host-a and host-b on one underlay
//! veth (`two_hosts::UNDERLAY`). Each machine's steps run inside its
//! namespace, as they would on the machine itself (only the network
//! namespace is entered: /run/netns stays the one both share), phase by
//! phase: A and B set up, A and B ping, A and B tear down.

use std::os::fd::OwnedFd;

use anyhow::{bail, Context, Result};

use super::lab::Lab;
use crate::pipeline::Step;
use crate::two_hosts::{Machine, A, B, NOTHING_LEFT, UNDERLAY, UNDERLAY_DOWN};

pub(super) fn run(lab: &Lab) -> Result<()> {
    let home = nscore::netns::open("/proc/thread-self/ns/net")?;
    let mut number = 0;
    let mut run = |machine: Option<&Machine>, steps: &[Step]| -> Result<()> {
        for step in steps {
            number += 1;
            let command = step.argv.join(" ");
            match machine {
                Some(m) => println!("+ [machine {}, namespace {}] {command}", m.name, m.netns),
                None => println!("+ {command}"),
            }
            let done = match machine {
                Some(m) => in_netns(m.netns, &home, || lab.step(step)),
                None => lab.step(step),
            };
            if let Err(error) = done {
                println!("e2e: step {number} failed: {command}: {error:#}");
                // A sandbox of its own: nothing in it was there before.
                lab.teardown(&[]);
                bail!("step {number} failed: {command}");
            }
        }
        Ok(())
    };
    run(None, UNDERLAY)?;
    let phases: [fn(&Machine) -> &'static [Step]; 3] = [|m| m.setup, |m| m.pings, |m| m.teardown];
    for phase in phases {
        for machine in [A, B] {
            run(Some(&machine), phase(&machine))?;
        }
    }
    run(None, &[UNDERLAY_DOWN, NOTHING_LEFT])?;
    println!("e2e: passed: red on machine A and blue on machine B answered across the underlay, nothing left behind");
    Ok(())
}

/// Runs `f` with this thread in namespace `ns`, then back in `home`.
fn in_netns<T>(ns: &str, home: &OwnedFd, f: impl FnOnce() -> Result<T>) -> Result<T> {
    nscore::netns::enter(ns)?;
    let result = f();
    nscore::netns::enter_fd(home).context("cannot go back to the sandbox's namespace")?;
    result
}
