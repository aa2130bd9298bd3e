//! The tutorial across two machines (README, "Across machines"): red on
//! machine A, blue on machine B, joined by a VXLAN cable over the network
//! between them. Each machine's list is cut into phases at the points
//! where it must wait for the other: both ends made before the pings, both
//! pings done before the teardown.
//!
//! `cargo xtask e2e --two-hosts` runs both lists in a sandbox where the
//! machines are namespaces on one underlay veth (built with the tools
//! themselves, `UNDERLAY`); `cargo xtask vm --two` runs each in its own VM,
//! after its `nic` steps (its `/init` includes this file with `#[path]`,
//! so it needs only std and `pipeline`).

pub use crate::pipeline::NOTHING_LEFT;
use crate::pipeline::{After, Step, ADDRESS_BLUE, ADDRESS_RED};

/// One machine's part of the tutorial.
#[derive(Debug, Clone, Copy)]
pub struct Machine {
    /// `A` or `B`, as the README says.
    pub name: &'static str,
    /// Its namespace in the sandbox.
    pub netns: &'static str,
    /// Its address on the underlay (read by the VMs' /init, for meeting).
    #[allow(dead_code)]
    pub address: &'static str,
    /// In a VM: its network card (`eth0`) addressed and up.
    #[allow(dead_code)]
    pub nic: &'static [Step],
    /// Up to its VXLAN end, addressed and up.
    pub setup: &'static [Step],
    /// Its ping across, once the other machine is set up.
    pub pings: &'static [Step],
    /// Once both have pinged.
    pub teardown: &'static [Step],
}

pub const A: Machine = Machine {
    name: "A",
    netns: "host-a",
    address: "192.168.1.10",
    nic: &[
        Step::ok(
            "A's address",
            &["ipassign", "eth0", "192.168.1.10/24"],
            After::Nothing,
        ),
        Step::ok("A's network up", &["linkup", "eth0"], After::Nothing),
    ],
    setup: &[
        Step::ok("create red", &["nsadd", "red"], After::Nothing),
        Step::ok(
            "VXLAN cable red -> machine B",
            &[
                "vethpair",
                "-n",
                "red",
                "--remote",
                "192.168.1.20",
                "--vni",
                "42",
                "veth-red",
            ],
            After::Vxlan("red", "veth-red", "42", "192.168.1.20"),
        ),
        ADDRESS_RED,
        Step::ok(
            "veth-red up",
            &["linkup", "-n", "red", "--wait", "veth-red"],
            After::Up(&[("red", "veth-red", true)]),
        ),
    ],
    pings: &[Step::ping(
        "ping red -> blue, across",
        &["nsping", "-n", "red", "-c", "3", "-i", "0.2", "10.0.0.2"],
        3,
    )],
    teardown: &[Step::ok(
        "tear down red",
        &["nsadd", "-d", "red"],
        After::Nothing,
    )],
};

pub const B: Machine = Machine {
    name: "B",
    netns: "host-b",
    address: "192.168.1.20",
    nic: &[
        Step::ok(
            "B's address",
            &["ipassign", "eth0", "192.168.1.20/24"],
            After::Nothing,
        ),
        Step::ok("B's network up", &["linkup", "eth0"], After::Nothing),
    ],
    setup: &[
        Step::ok("create blue", &["nsadd", "blue"], After::Nothing),
        Step::ok(
            "VXLAN cable blue -> machine A",
            &[
                "vethpair",
                "-n",
                "blue",
                "--remote",
                "192.168.1.10",
                "--vni",
                "42",
                "veth-blue",
            ],
            After::Vxlan("blue", "veth-blue", "42", "192.168.1.10"),
        ),
        ADDRESS_BLUE,
        Step::ok(
            "veth-blue up",
            &["linkup", "-n", "blue", "--wait", "veth-blue"],
            After::Up(&[("blue", "veth-blue", true)]),
        ),
    ],
    pings: &[Step::ping(
        "ping blue -> red, across",
        &["nsping", "-n", "blue", "-c", "3", "-i", "0.2", "10.0.0.1"],
        3,
    )],
    teardown: &[Step::ok(
        "tear down blue",
        &["nsadd", "-d", "blue"],
        After::Nothing,
    )],
};

/// In the sandbox: the two machines as namespaces host-a and host-b, on
/// one underlay cable (their `eth0`), 192.168.1.0/24.
pub const UNDERLAY: &[Step] = &[
    Step::ok(
        "machines A and B",
        &["nsadd", "host-a", "host-b"],
        After::Nothing,
    ),
    Step::ok(
        "the underlay cable between A and B",
        &[
            "vethpair",
            "-n",
            "host-a",
            "eth0",
            "--peer-netns",
            "host-b",
            "eth0",
        ],
        After::Nothing,
    ),
    Step::ok(
        "A's underlay address",
        &["ipassign", "-n", "host-a", "eth0", "192.168.1.10/24"],
        After::Address("host-a", "eth0", "192.168.1.10/24"),
    ),
    Step::ok(
        "B's underlay address",
        &["ipassign", "-n", "host-b", "eth0", "192.168.1.20/24"],
        After::Address("host-b", "eth0", "192.168.1.20/24"),
    ),
    Step::ok(
        "A's underlay up",
        &["linkup", "-n", "host-a", "eth0"],
        After::Nothing,
    ),
    Step::ok(
        "B's underlay up",
        &["linkup", "-n", "host-b", "eth0"],
        After::Up(&[("host-a", "eth0", true), ("host-b", "eth0", true)]),
    ),
];

/// In the sandbox, after both machines' lists: the machines go too.
pub const UNDERLAY_DOWN: Step = Step::ok(
    "remove machines A and B",
    &["nsadd", "-d", "host-a", "host-b"],
    After::Nothing,
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_machine_reaches_the_other() {
        for (me, other) in [(A, B), (B, A)] {
            let cable = me.setup[1].argv;
            let at = cable.iter().position(|w| *w == "--remote").unwrap();
            assert_eq!(cable[at + 1], other.address, "{}", me.name);
            // The same address on its NIC in a VM and its veth in the sandbox.
            let with_length = format!("{}/24", me.address);
            assert_eq!(me.nic[0].argv, ["ipassign", "eth0", &with_length]);
            assert!(UNDERLAY
                .iter()
                .any(|s| s.argv == ["ipassign", "-n", me.netns, "eth0", &with_length]));
            assert_eq!(me.setup[0].argv[0], "nsadd");
            assert_eq!(me.teardown[0].argv[..2], ["nsadd", "-d"]);
            assert_eq!(me.setup[0].argv[1], me.teardown[0].argv[2]);
        }
    }

    #[test]
    fn every_step_calls_a_tool() {
        let all = [A, B].into_iter().flat_map(|m| {
            m.nic
                .iter()
                .chain(m.setup)
                .chain(m.pings)
                .chain(m.teardown)
                .collect::<Vec<_>>()
        });
        for step in all.chain(UNDERLAY).chain([&UNDERLAY_DOWN, &NOTHING_LEFT]) {
            assert!(crate::tools::TOOLS.contains(&step.argv[0]), "{}", step.name);
        }
    }
}
