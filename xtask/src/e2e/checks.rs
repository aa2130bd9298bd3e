//! What e2e verifies after each step besides its output: what the step
//! must leave (`pipeline::After`), looked at with iproute2 where it is
//! installed, and with `nsadd -l` for the namespaces.

use std::thread;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Result};

use super::lab::Lab;
use super::{lab_namespaces, NAMESPACES};
use crate::pipeline::After;

impl Lab {
    /// Checks that the lab is as `after` says; returns what was
    /// verified, one line each.
    pub(super) fn check(&self, after: After) -> Result<Vec<String>> {
        match after {
            After::Nothing => Ok(Vec::new()),
            After::Namespaces(present) => self.namespaces(present),
            After::Pair => self.pair(),
            After::Address(ns, dev, address) => self.address(ns, dev, address),
            After::Up(links) => self.up(links),
            After::Vxlan(ns, dev, vni, remote) => self.vxlan(ns, dev, vni, remote),
        }
    }

    fn namespaces(&self, present: bool) -> Result<Vec<String>> {
        let mut verified = Vec::new();
        let wanted = |there: &[String]| {
            NAMESPACES
                .iter()
                .all(|ns| there.iter().any(|n| n == ns) == present)
        };
        let listed = self.execute(&["nsadd", "-l"], Duration::from_secs(10), false)?;
        let listed: Vec<String> = listed.stdout.lines().map(str::to_string).collect();
        if !wanted(&listed) {
            bail!("nsadd -l lists: {}", listed.join(" "));
        }
        let state = if present { "there" } else { "gone" };
        verified.push(format!("nsadd -l: red and blue {state}"));
        if let Some(list) = self.ip(&["netns", "list"])? {
            let names: Vec<String> = list
                .lines()
                .filter_map(|l| l.split_whitespace().next())
                .map(str::to_string)
                .collect();
            if !wanted(&names) {
                bail!("ip netns list shows: {}", names.join(" "));
            }
            verified.push(format!("ip netns list: red and blue {state}"));
        }
        if !present {
            let left = lab_namespaces();
            if !left.is_empty() {
                bail!("left behind in /run/netns: {}", left.join(" "));
            }
            verified.push("/run/netns: nothing left".into());
        }
        Ok(verified)
    }

    fn pair(&self) -> Result<Vec<String>> {
        let (Some(red), Some(blue)) = (
            self.ip(&["-n", "red", "-o", "-d", "link", "show", "veth-red"])?,
            self.ip(&["-n", "blue", "-o", "-d", "link", "show", "veth-blue"])?,
        ) else {
            return Ok(Vec::new());
        };
        let (red_index, red_peer) = link_indexes(&red, "veth-red")?;
        let (blue_index, blue_peer) = link_indexes(&blue, "veth-blue")?;
        for (text, name, other) in [(&red, "veth-red", "blue"), (&blue, "veth-blue", "red")] {
            if !text.split_whitespace().any(|w| w == "veth") {
                bail!("{name} is not a veth: {}", text.trim());
            }
            if !text.contains(&format!(" link-netns {other} ")) {
                bail!("the peer of {name} is not in {other}: {}", text.trim());
            }
        }
        if red_peer != blue_index || blue_peer != red_index {
            bail!("veth-red@if{red_peer} and veth-blue@if{blue_peer} are not each other's peer");
        }
        Ok(vec![format!(
            "ip -d link: veth-red@if{red_peer} in red, veth-blue@if{blue_peer} in blue: one veth pair"
        )])
    }

    fn address(&self, ns: &str, dev: &str, address: &str) -> Result<Vec<String>> {
        let Some(out) = self.ip(&["-n", ns, "-o", "addr", "show", "dev", dev])? else {
            return Ok(Vec::new());
        };
        let family = if address.contains(':') {
            "inet6"
        } else {
            "inet"
        };
        let found = out.lines().any(|l| {
            let mut words = l.split_whitespace().skip_while(|w| *w != family).skip(1);
            words.next() == Some(address)
        });
        if !found {
            bail!(
                "ip -n {ns} addr shows no {address} on {dev}: {}",
                out.trim()
            );
        }
        Ok(vec![format!("ip -n {ns} -o addr: {dev} {family} {address}")])
    }

    fn vxlan(&self, ns: &str, dev: &str, vni: &str, remote: &str) -> Result<Vec<String>> {
        let Some(out) = self.ip(&["-n", ns, "-d", "-o", "link", "show", dev])? else {
            return Ok(Vec::new());
        };
        let after = |word: &str| {
            let mut words = out.split_whitespace().skip_while(|w| *w != word).skip(1);
            words.next().unwrap_or("").to_string()
        };
        let settings = format!("vxlan id {vni} remote {remote} ");
        if !out.contains(&settings) || after("dstport") != "4789" {
            bail!("{dev} in {ns} is not a VXLAN end to {remote}, VNI {vni}, port 4789: {}", out.trim());
        }
        let underlay = after("link-netns");
        if underlay.is_empty() {
            bail!("the UDP socket of {dev} is in {ns} itself, not in the underlay: {}", out.trim());
        }
        let mtu = after("mtu");
        if mtu != "1450" {
            bail!("{dev} in {ns} has MTU {mtu}, not 1450 (1500 less 50): {}", out.trim());
        }
        Ok(vec![format!(
            "ip -n {ns} -d link: {dev} vxlan id {vni} remote {remote} dstport 4789, mtu {mtu}, link-netns {underlay}"
        )])
    }

    fn up(&self, links: &[(&str, &str, bool)]) -> Result<Vec<String>> {
        let mut verified = Vec::new();
        if self.ip.is_none() {
            return Ok(verified);
        }
        for &(ns, dev, lower_up) in links {
            let wanted: &[&str] = if lower_up {
                &["UP", "LOWER_UP"]
            } else {
                &["UP"]
            };
            // The carrier follows the peer; give the kernel a moment.
            let deadline = Instant::now() + Duration::from_secs(2);
            loop {
                let out = self
                    .ip(&["-n", ns, "-o", "link", "show", dev])?
                    .unwrap_or_default();
                let flags = link_flags(&out);
                if wanted.iter().all(|w| flags.contains(w)) {
                    verified.push(format!("ip -n {ns} link: {dev} <{}>", flags.join(",")));
                    break;
                }
                if Instant::now() >= deadline {
                    bail!(
                        "{dev} in {ns} is not {}: <{}>",
                        wanted.join(","),
                        flags.join(",")
                    );
                }
                thread::sleep(Duration::from_millis(50));
            }
        }
        Ok(verified)
    }
}

/// `IDX: NAME@ifPEER: ...` from `ip -o link show`: the index and the peer's.
fn link_indexes(line: &str, name: &str) -> Result<(u32, u32)> {
    let parse = || -> Option<(u32, u32)> {
        let mut words = line.split_whitespace();
        let index = words.next()?.strip_suffix(':')?.parse().ok()?;
        let link = words.next()?.strip_suffix(':')?;
        let peer = link.strip_prefix(name)?.strip_prefix("@if")?.parse().ok()?;
        Some((index, peer))
    };
    parse().ok_or_else(|| anyhow!("ip shows no {name}@ifN link: {}", line.trim()))
}

/// The flags of `ip -o link show`: `<BROADCAST,MULTICAST,UP,LOWER_UP>`.
fn link_flags(line: &str) -> Vec<&str> {
    line.split_once('<')
        .and_then(|(_, rest)| rest.split_once('>'))
        .map(|(flags, _)| flags.split(',').collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::{Expect, STEPS};

    const RED: &str = "2: veth-red@if5: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue \
        state UP mode DEFAULT group default qlen 1000\\    link/ether 32:e4:8a:71:d8:f5 brd \
        ff:ff:ff:ff:ff:ff link-netns blue\n";

    #[test]
    fn indexes_of_a_veth_end() {
        assert_eq!(link_indexes(RED, "veth-red").unwrap(), (2, 5));
        assert!(link_indexes(RED, "veth-blue").is_err());
        assert!(link_indexes("2: veth-red: <UP>", "veth-red").is_err());
        assert!(link_indexes("", "veth-red").is_err());
    }

    #[test]
    fn flags_of_a_link() {
        assert_eq!(
            link_flags(RED),
            ["BROADCAST", "MULTICAST", "UP", "LOWER_UP"]
        );
        assert!(link_flags("garbage").is_empty());
    }

    #[test]
    fn every_tool_is_run_and_every_step_but_the_pings_checked() {
        let tools: Vec<&str> = STEPS.iter().map(|s| s.argv[0]).collect();
        for tool in crate::tools::TOOLS {
            assert!(tools.contains(&tool), "{tool} is not in the e2e steps");
        }
        let unchecked: Vec<&str> = STEPS
            .iter()
            .filter(|s| s.after == After::Nothing && s.expect == Expect::Success)
            .map(|s| s.name)
            .collect();
        assert!(unchecked.is_empty(), "{unchecked:?}");
    }
}
