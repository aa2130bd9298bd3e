//! The project's binaries, named once for every subcommand: the tools, the
//! multi-call binary, and the two ways a directory can hold them.

use nscore::cli::Spec;

/// The tools, in the order of the tutorial.
pub const TOOLS: [&str; 6] = [
    "nsadd", "nsexec", "vethpair", "ipassign", "linkup", "nsping",
];

/// The multi-call binary.
pub const MULTICALL: &str = "nstools";

/// Every binary `cargo xtask dist` makes: the tools, then nstools.
pub fn binaries() -> impl Iterator<Item = &'static str> {
    TOOLS.into_iter().chain([MULTICALL])
}

/// The command line of a binary, as its crate declares it: the source of
/// its `--help`, man page and completions.
pub fn spec(name: &str) -> &'static Spec {
    match name {
        "nsadd" => nsadd::TOOL.spec,
        "nsexec" => nsexec::TOOL.spec,
        "vethpair" => vethpair::TOOL.spec,
        "ipassign" => ipassign::TOOL.spec,
        "linkup" => linkup::TOOL.spec,
        "nsping" => nsping::TOOL.spec,
        MULTICALL => &nstools::SPEC,
        other => panic!("{other}: not one of the binaries"),
    }
}

/// What a binary is, in a few words (as `nstools --help` lists the tools).
pub fn summary(name: &str) -> &'static str {
    match nstools::applet(name.as_ref()) {
        Some(applet) => applet.summary,
        None => "every tool in one multi-call binary, busybox style",
    }
}

/// Which binaries a directory of tools holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// One static binary per tool.
    Separate,
    /// `nstools` and a symbolic link to it for every tool.
    Multicall,
}

/// One entry of a directory of tools.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    /// A copy of the binary of this name.
    Binary(&'static str),
    /// A symbolic link of this name to [`MULTICALL`], beside it.
    Link(&'static str),
}

impl Layout {
    pub fn describe(self) -> &'static str {
        match self {
            Layout::Separate => "the single tools",
            Layout::Multicall => "nstools and its links",
        }
    }

    /// What a directory in this layout holds.
    pub fn entries(self) -> Vec<Entry> {
        match self {
            Layout::Separate => TOOLS.into_iter().map(Entry::Binary).collect(),
            Layout::Multicall => std::iter::once(Entry::Binary(MULTICALL))
                .chain(TOOLS.into_iter().map(Entry::Link))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tool_is_a_workspace_member_with_a_binary() {
        let manifest = std::fs::read_to_string(crate::paths::root().join("Cargo.toml")).unwrap();
        for name in binaries() {
            assert!(manifest.contains(&format!("\"{name}\"")), "{name}");
            let main = crate::paths::root().join(name).join("src/main.rs");
            assert!(main.is_file(), "{}", main.display());
        }
    }

    #[test]
    fn every_binary_has_its_own_option_table_and_summary() {
        for name in binaries() {
            assert_eq!(spec(name).name, name);
            assert!(!summary(name).is_empty());
        }
        assert_eq!(
            nstools::APPLETS.iter().map(|a| a.name).collect::<Vec<_>>(),
            TOOLS
        );
    }

    #[test]
    fn a_multicall_directory_links_every_tool_to_nstools() {
        let entries = Layout::Multicall.entries();
        assert_eq!(entries[0], Entry::Binary(MULTICALL));
        assert_eq!(entries.len(), TOOLS.len() + 1);
        assert!(Layout::Separate
            .entries()
            .iter()
            .all(|e| matches!(e, Entry::Binary(name) if *name != MULTICALL)));
    }
}
