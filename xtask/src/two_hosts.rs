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

use crate::pipeline::{After, Expect, Step};

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
        Step {
            name: "A's address",
            argv: &["ipassign", "eth0", "192.168.1.10/24"],
            expect: Expect::Success,
            after: After::Nothing,
        },
        Step {
            name: "A's network up",
            argv: &["linkup", "eth0"],
            expect: Expect::Success,
            after: After::Nothing,
        },
    ],
    setup: &[
        Step {
            name: "create red",
            argv: &["nsadd", "red"],
            expect: Expect::Success,
            after: After::Nothing,
        },
        Step {
            name: "VXLAN cable red -> machine B",
            argv: &[
                "vethpair",
                "-n",
                "red",
                "--remote",
                "192.168.1.20",
                "--vni",
                "42",
                "veth-red",
            ],
            expect: Expect::Success,
            after: After::Vxlan("red", "veth-red", "42", "192.168.1.20"),
        },
        Step {
            name: "address on veth-red",
            argv: &["ipassign", "-n", "red", "veth-red", "10.0.0.1/24"],
            expect: Expect::Success,
            after: After::Address("red", "veth-red", "10.0.0.1/24"),
        },
        Step {
            name: "veth-red up",
            argv: &["linkup", "-n", "red", "--wait", "veth-red"],
            expect: Expect::Success,
            after: After::Up(&[("red", "veth-red", true)]),
        },
    ],
    pings: &[Step {
        name: "ping red -> blue, across",
        argv: &["nsping", "-n", "red", "-c", "3", "-i", "0.2", "10.0.0.2"],
        expect: Expect::Replies(3),
        after: After::Nothing,
    }],
    teardown: &[Step {
        name: "tear down red",
        argv: &["nsadd", "-d", "red"],
        expect: Expect::Success,
        after: After::Nothing,
    }],
};

pub const B: Machine = Machine {
    name: "B",
    netns: "host-b",
    address: "192.168.1.20",
    nic: &[
        Step {
            name: "B's address",
            argv: &["ipassign", "eth0", "192.168.1.20/24"],
            expect: Expect::Success,
            after: After::Nothing,
        },
        Step {
            name: "B's network up",
            argv: &["linkup", "eth0"],
            expect: Expect::Success,
            after: After::Nothing,
        },
    ],
    setup: &[
        Step {
            name: "create blue",
            argv: &["nsadd", "blue"],
            expect: Expect::Success,
            after: After::Nothing,
        },
        Step {
            name: "VXLAN cable blue -> machine A",
            argv: &[
                "vethpair",
                "-n",
                "blue",
                "--remote",
                "192.168.1.10",
                "--vni",
                "42",
                "veth-blue",
            ],
            expect: Expect::Success,
            after: After::Vxlan("blue", "veth-blue", "42", "192.168.1.10"),
        },
        Step {
            name: "address on veth-blue",
            argv: &["ipassign", "-n", "blue", "veth-blue", "10.0.0.2/24"],
            expect: Expect::Success,
            after: After::Address("blue", "veth-blue", "10.0.0.2/24"),
        },
        Step {
            name: "veth-blue up",
            argv: &["linkup", "-n", "blue", "--wait", "veth-blue"],
            expect: Expect::Success,
            after: After::Up(&[("blue", "veth-blue", true)]),
        },
    ],
    pings: &[Step {
        name: "ping blue -> red, across",
        argv: &["nsping", "-n", "blue", "-c", "3", "-i", "0.2", "10.0.0.1"],
        expect: Expect::Replies(3),
        after: After::Nothing,
    }],
    teardown: &[Step {
        name: "tear down blue",
        argv: &["nsadd", "-d", "blue"],
        expect: Expect::Success,
        after: After::Nothing,
    }],
};

/// In the sandbox: the two machines as namespaces host-a and host-b, on
/// one underlay cable (their `eth0`), 192.168.1.0/24.
pub const UNDERLAY: &[Step] = &[
    Step {
        name: "machines A and B",
        argv: &["nsadd", "host-a", "host-b"],
        expect: Expect::Success,
        after: After::Nothing,
    },
    Step {
        name: "the underlay cable between A and B",
        argv: &[
            "vethpair",
            "-n",
            "host-a",
            "eth0",
            "--peer-netns",
            "host-b",
            "eth0",
        ],
        expect: Expect::Success,
        after: After::Nothing,
    },
    Step {
        name: "A's underlay address",
        argv: &["ipassign", "-n", "host-a", "eth0", "192.168.1.10/24"],
        expect: Expect::Success,
        after: After::Address("host-a", "eth0", "192.168.1.10/24"),
    },
    Step {
        name: "B's underlay address",
        argv: &["ipassign", "-n", "host-b", "eth0", "192.168.1.20/24"],
        expect: Expect::Success,
        after: After::Address("host-b", "eth0", "192.168.1.20/24"),
    },
    Step {
        name: "A's underlay up",
        argv: &["linkup", "-n", "host-a", "eth0"],
        expect: Expect::Success,
        after: After::Nothing,
    },
    Step {
        name: "B's underlay up",
        argv: &["linkup", "-n", "host-b", "eth0"],
        expect: Expect::Success,
        after: After::Up(&[("host-a", "eth0", true), ("host-b", "eth0", true)]),
    },
];

/// In the sandbox, after both machines' lists: the machines go too.
pub const UNDERLAY_DOWN: Step = Step {
    name: "remove machines A and B",
    argv: &["nsadd", "-d", "host-a", "host-b"],
    expect: Expect::Success,
    after: After::Nothing,
};

/// The last step everywhere: no namespace is left.
pub const NOTHING_LEFT: Step = Step {
    name: "nothing left behind",
    argv: &["nsadd", "-l"],
    expect: Expect::NoOutput,
    after: After::Nothing,
};

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
