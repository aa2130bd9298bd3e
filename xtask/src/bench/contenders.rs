//! The ways of doing a step that more than one measurement compares: ours
//! (the tools by name) against iproute2 (and busybox), for the commands
//! timed both alone and with many namespaces present.

use std::path::Path;

use super::timing::{argv, Argv, Contender};

/// Our binaries, by tool name.
pub struct Ours<'a>(pub &'a Path);

impl Ours<'_> {
    pub fn cmd(&self, line: &str) -> Argv {
        let mut argv = argv(line);
        argv[0] = self.0.join(&argv[0]).display().to_string();
        argv
    }
}

/// Nothing to run (to undo, or to prepare).
pub fn none(_: usize) -> Vec<Argv> {
    Vec::new()
}

/// Creating a namespace (and deleting it, untimed): ours and ip.
pub fn add_namespace<'a>(ours: &'a Ours) -> Vec<Contender<'a>> {
    vec![
        Contender::new(
            "nsadd NS",
            |i| vec![ours.cmd(&format!("nsadd b{i}"))],
            |i| vec![ours.cmd(&format!("nsadd -d b{i}"))],
        ),
        Contender::new(
            "ip netns add NS",
            |i| vec![argv(&format!("ip netns add b{i}"))],
            |i| vec![argv(&format!("ip netns del b{i}"))],
        )
        .goal(0.5),
    ]
}

/// Running `true` in red: ours and ip.
pub fn run_inside<'a>(ours: &'a Ours) -> Vec<Contender<'a>> {
    let ip = argv("ip netns exec red true");
    vec![
        Contender::same("nsexec red true", ours.cmd("nsexec red true"), none),
        Contender::same("ip netns exec red true", ip, none).goal(0.5),
    ]
}

/// Adding a fresh /32 to veth-red in red (and taking it away, untimed):
/// ours, ip, and busybox's ip where it can be entered with its nsenter.
pub fn add_address<'a>(ours: &'a Ours, busybox: Option<&'a str>) -> Vec<Contender<'a>> {
    let address = |i: usize| format!("10.9.{}.{}/32", i / 250, i % 250 + 1);
    let remove = move |i: usize| {
        vec![argv(&format!(
            "ip -n red addr del {} dev veth-red",
            address(i)
        ))]
    };
    let mut contenders = vec![
        Contender::new(
            "ipassign -n red DEV ADDR",
            move |i| vec![ours.cmd(&format!("ipassign -n red veth-red {}", address(i)))],
            remove,
        ),
        Contender::new(
            "ip -n red addr add ADDR dev DEV",
            move |i| {
                vec![argv(&format!(
                    "ip -n red addr add {} dev veth-red",
                    address(i)
                ))]
            },
            remove,
        )
        .goal(0.5),
    ];
    if let Some(bb) = busybox {
        contenders.push(
            Contender::new(
                "busybox nsenter … busybox ip addr add",
                move |i| vec![argv(&format!("{bb} addr add {} dev veth-red", address(i)))],
                remove,
            )
            .goal(1.0),
        );
    }
    contenders
}

/// Setting lu0 in red up (and down again, untimed), the same three ways.
pub fn link_up<'a>(ours: &'a Ours, busybox: Option<&'a str>) -> Vec<Contender<'a>> {
    let down = |_| vec![argv("ip -n red link set lu0 down")];
    let ip = argv("ip -n red link set lu0 up");
    let mut contenders = vec![
        Contender::same("linkup -n red DEV", ours.cmd("linkup -n red lu0"), down),
        Contender::same("ip -n red link set DEV up", ip, down).goal(0.5),
    ];
    if let Some(bb) = busybox {
        let name = "busybox nsenter … busybox ip link set DEV up";
        let command = argv(&format!("{bb} link set lu0 up"));
        contenders.push(Contender::same(name, command, down).goal(1.0));
    }
    contenders
}
