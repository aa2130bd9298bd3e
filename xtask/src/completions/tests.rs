//! The completions tried in each shell against a lab of real namespaces:
//! red and blue joined by veth-red and veth-blue, in a sandbox.

use super::*;
use std::path::{Path, PathBuf};
use testkit::{command_or_skip, usable_or_skip};

/// The lab the candidates are checked against.
const LAB: &str = "\
ip netns add red && ip netns add blue &&
ip -n red link add veth-red type veth peer name veth-blue netns blue || exit 99
";

/// (command line up to the cursor, the candidates offered, sorted).
const CASES: &[(&str, &str)] = &[
    ("nsadd -d ", "blue red"),
    ("nsadd -d r", "red"),
    ("nsadd -df b", "blue"),
    ("nsadd ", ""),
    ("nsadd --ex", "--exist-ok"),
    ("vethpair -n ", "blue red"),
    ("vethpair --netns=", "blue red"),
    ("vethpair --netns=r", "red"),
    ("vethpair -n red --peer-netns b", "blue"),
    ("vethpair -n red -d ", "lo veth-red"),
    ("vethpair -nred -d v", "veth-red"),
    ("vethpair --netns=red --delete ", "lo veth-red"),
    ("vethpair -n red a ", ""),
    ("ipassign -n blue ", "lo veth-blue"),
    ("ipassign -n blue veth-blue ", ""),
    ("ipassign -d -n blue v", "veth-blue"),
    ("linkup -n red lo ", "lo veth-red"),
    ("linkup ", "lo"),
    ("linkup --down -n blue -- ", "lo veth-blue"),
    ("nsping -n red -I ", "lo veth-red"),
    ("nsping -c ", ""),
    ("nsexec ", "blue red"),
    ("nsexec r", "red"),
    ("nsexec red -", ""),
    ("nstools ", "ipassign linkup nsadd nsexec nsping vethpair"),
    ("nstools ns", "nsadd nsexec nsping"),
    ("nstools --i", "--install"),
    ("nstools nsadd -d b", "blue"),
    ("nstools vethpair -n blue -d ", "lo veth-blue"),
    ("nstools nsexec ", "blue red"),
];

/// Every completion file written under a fresh `share/` for `test`.
fn written(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("xtask-completions-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (path, text) in files() {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

/// Runs `script` in a sandbox holding the lab; its stdout.
fn in_lab(test: &str, script: &str) -> String {
    let r = testkit::run(&format!("{LAB}{script}"), "/bin/sh");
    assert_eq!(r.code, 0, "{test}: {}", r.stderr);
    assert_eq!(r.stderr, "", "{test}");
    r.stdout
}

/// Each case's line, then what `got` says for it, one a line.
fn compare(shell: &str, got: &str) {
    let mut wrong = Vec::new();
    for (line, ((case, expected), got)) in CASES.iter().zip(got.lines()).enumerate() {
        if got.trim() != *expected {
            wrong.push(format!(
                "{shell}: {case:?}: {got:?}, not {expected:?} (case {line})"
            ));
        }
    }
    assert_eq!(got.lines().count(), CASES.len(), "{shell}: {got}");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// A fish word in single quotes.
fn fish_quoted(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// A shell word in single quotes.
fn quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// Writes the files, runs what `script` makes of their directory in the
/// lab, and compares what it printed with the cases; skipped where there
/// is no sandbox or no `shell`.
fn try_shell(test: &str, shell: &str, script: impl Fn(&Path) -> String) {
    if !usable_or_skip(test) || !command_or_skip(test, shell, shell) {
        return;
    }
    let dir = written(test);
    compare(shell, &in_lab(test, &script(&dir)));
    let _ = std::fs::remove_dir_all(dir);
}

/// bash, completing each case as bash would: the words (split at = too),
/// the function that `complete -p` names, called with the command, the
/// word and the one before; `prelude` first.
fn bash_script(dir: &Path, prelude: &str) -> String {
    let mut script = format!(
        "exec bash --norc --noprofile -s <<'END'
{prelude}
for file in {dir}/*; do source \"$file\"; done
[ \"$(complete -p nsadd)\" = 'complete -F _nstools_nsadd nsadd' ] || echo 'complete -p nsadd' >&2
candidates() {{
    COMP_LINE=$1 COMP_POINT=${{#1}}
    read -ra COMP_WORDS <<<\"${{1//=/ = }}\"
    [[ $1 == *' ' ]] && COMP_WORDS+=('')
    COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1))
    local spec=$(complete -p \"${{COMP_WORDS[0]}}\")
    local function=${{spec#complete -F }}
    COMPREPLY=()
    \"${{function%% *}}\" \"${{COMP_WORDS[0]}}\" \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"
    printf '%s\\n' \"${{COMPREPLY[@]}}\" | sort | tr '\\n' ' '
    echo
}}
",
        dir = dir.join("bash-completion/completions").display()
    );
    for (line, _) in CASES {
        script.push_str(&format!("candidates {}\n", quoted(line)));
    }
    script.push_str("END\n");
    script
}

#[test]
fn bash_offers_what_fits_where_the_cursor_is() {
    try_shell("bash_offers_what_fits_where_the_cursor_is", "bash", |dir| {
        bash_script(dir, "")
    });
}

/// Interfaces come from `linkup -n NS -l`, the tools' own listing, where
/// linkup is on PATH: here with `ip` made to fail. The linkup that
/// `cargo test` built for the workspace's tests is used.
#[test]
fn bash_lists_interfaces_with_linkup() {
    let test = "bash_lists_interfaces_with_linkup";
    let built = crate::paths::target_dir().join("debug");
    if !built.join("linkup").is_file() {
        testkit::skip(
            test,
            "no linkup in target/debug (run the workspace's cargo test)",
        );
        return;
    }
    let prelude = format!(
        "PATH={}:$PATH\nip() {{ echo 'ip was asked' >&2; return 1; }}",
        built.display()
    );
    try_shell(test, "bash", |dir| bash_script(dir, &prelude));
}

#[test]
fn every_binary_has_a_file_for_each_shell() {
    let files = files();
    for name in tools::binaries() {
        for path in [
            format!("bash-completion/completions/{name}"),
            format!("zsh/site-functions/_{name}"),
            format!("fish/vendor_completions.d/{name}.fish"),
        ] {
            assert!(files.iter().any(|(p, _)| p == Path::new(&path)), "{path}");
        }
    }
}

/// zsh, run in a terminal (zsh/zpty) as a user would: each line typed,
/// then Tab; `compadd` is wrapped to note the matches it is given, and
/// the end of each completion noted (comppostfuncs last one completion).
const ZSH_TYPIST: &str = r#"
zmodload zsh/zpty
dir=$1; shift
zpty -b z zsh -f -i
zpty -w z "fpath=($dir \$fpath); autoload -Uz compinit; compinit -u -D; unsetopt autolist listbeep beep"
zpty -w z 'compadd() { local -a hits; builtin compadd -O hits "$@"; (( $#hits )) && print -rl -- $hits >> /run/hits; builtin compadd "$@"; }'
zpty -w z 'noted() { print -r -- END >> /run/hits; }'
zpty -w z 'tab() { comppostfuncs=(noted); _main_complete; }; zle -C tab complete-word tab'
zpty -w z 'bindkey "^I" tab'
for line in "$@"; do
    : > /run/hits
    zpty -w -n z "$line"$'\t'
    until grep -qx END /run/hits; do sleep 0.05; done
    grep -vx END /run/hits | sort -u | tr '\n' ' '
    echo
    zpty -w -n z $'\C-u'
done
zpty -d z
"#;

#[test]
fn zsh_offers_what_fits_where_the_cursor_is() {
    try_shell("zsh_offers_what_fits_where_the_cursor_is", "zsh", |dir| {
        let mut script = format!(
            "cat > /run/typist <<'END'\n{ZSH_TYPIST}END\nzsh -f /run/typist {}",
            dir.join("zsh/site-functions").display()
        );
        for (line, _) in CASES {
            script.push_str(&format!(" {}", quoted(line)));
        }
        script + "\n"
    });
}

/// fish answers `complete -C LINE` as it would at Tab: whole words
/// (`--netns=red`), each with its help after a tab.
#[test]
fn fish_offers_what_fits_where_the_cursor_is() {
    try_shell("fish_offers_what_fits_where_the_cursor_is", "fish", |dir| {
        let mut script = format!(
            "cat > /run/cases.fish <<'END'\nfor file in {}/*.fish; source $file; end\n",
            dir.join("fish/vendor_completions.d").display()
        );
        for (line, _) in CASES {
            script.push_str(&format!(
                "echo (complete -C {} | string replace -r '\\t.*' '' \
                 | string replace -r '^--[a-z-]+=' '' | sort)\n",
                fish_quoted(line)
            ));
        }
        script + "END\nfish --no-config /run/cases.fish\n"
    });
}
