//! `nstools --install [-s] DIR`, as `busybox --install`: a link per tool,
//! hard or symbolic, that runs the tool; again is a success; a file that
//! is not nstools is never replaced, and then nothing is made.

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod support;
use support::TOOLS;

const NSTOOLS: &str = env!("CARGO_BIN_EXE_nstools");

/// A fresh directory for `test` holding nstools (a hard link to the one
/// cargo built: a copy just written could not be run while another test
/// forks, ETXTBSY), and an empty `bin`.
fn scratch(test: &str) -> (PathBuf, PathBuf) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("install-{test}"));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("bin")).unwrap();
    let nstools = dir.join("nstools");
    fs::hard_link(NSTOOLS, &nstools).unwrap();
    (nstools, dir.join("bin"))
}

fn install(nstools: &Path, args: &[&str]) -> Output {
    Command::new(nstools)
        .arg("--install")
        .args(args)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn quiet_success(out: &Output) {
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty() && out.stderr.is_empty());
}

/// Every tool in `bin` is `nstools` and runs as itself.
fn every_tool_runs(bin: &Path, nstools: &Path) {
    let inode = fs::metadata(nstools).unwrap().ino();
    for tool in TOOLS {
        assert_eq!(fs::metadata(bin.join(tool)).unwrap().ino(), inode, "{tool}");
        let out = Command::new(bin.join(tool))
            .arg("--version")
            .output()
            .unwrap();
        assert!(text(&out.stdout).starts_with(&format!("{tool} (nstools) ")));
    }
}

/// The names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn hard_links_then_symbolic_ones_replace_them() {
    let (nstools, bin) = scratch("kinds");
    quiet_success(&install(&nstools, &[bin.to_str().unwrap()]));
    every_tool_runs(&bin, &nstools);
    for tool in TOOLS {
        assert!(fs::symlink_metadata(bin.join(tool)).unwrap().is_file());
    }
    // Again: already there is a success, and changes nothing.
    quiet_success(&install(&nstools, &[bin.to_str().unwrap()]));
    quiet_success(&install(&nstools, &["-s", bin.to_str().unwrap()]));
    every_tool_runs(&bin, &nstools);
    for tool in TOOLS {
        assert_eq!(fs::read_link(bin.join(tool)).unwrap(), nstools, "{tool}");
    }
    assert_eq!(names(&bin), {
        let mut sorted = TOOLS.map(String::from).to_vec();
        sorted.sort();
        sorted
    });
}

#[test]
fn links_beside_nstools_name_it_alone() {
    let (nstools, _) = scratch("beside");
    let dir = nstools.parent().unwrap();
    quiet_success(&install(&nstools, &["-s", dir.to_str().unwrap()]));
    every_tool_runs(dir, &nstools);
    assert_eq!(
        fs::read_link(dir.join("nsadd")).unwrap(),
        Path::new("nstools")
    );
}

#[test]
fn a_file_that_is_not_nstools_is_kept_and_nothing_is_made() {
    let (nstools, bin) = scratch("foreign");
    fs::write(bin.join("linkup"), "mine").unwrap();
    for args in [&[][..], &["-s"]] {
        let mut args = args.to_vec();
        args.push(bin.to_str().unwrap());
        let out = install(&nstools, &args);
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(
            text(&out.stderr),
            format!(
                "nstools: {}/linkup: exists and is not nstools; not replacing it\n",
                bin.display()
            )
        );
        assert_eq!(names(&bin), ["linkup"], "nothing made");
        assert_eq!(fs::read(bin.join("linkup")).unwrap(), b"mine");
    }
    // A link to another binary is not ours either.
    fs::remove_file(bin.join("linkup")).unwrap();
    std::os::unix::fs::symlink("/bin/true", bin.join("nsping")).unwrap();
    assert_eq!(
        install(&nstools, &["-s", bin.to_str().unwrap()])
            .status
            .code(),
        Some(1)
    );
    assert_eq!(names(&bin), ["nsping"]);
}

#[test]
fn a_missing_directory_is_one_line() {
    let (nstools, bin) = scratch("missing");
    let missing = bin.join("nope");
    let out = install(&nstools, &[missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        format!(
            "nstools: {}: No such file or directory\n",
            missing.display()
        )
    );
    let out = install(&nstools, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "nstools: missing directory DIR (try 'nstools --help')\n"
    );
}

#[test]
fn hard_links_across_file_systems_suggest_symbolic_ones() {
    if !testkit::usable_or_skip("hard_links_across_file_systems_suggest_symbolic_ones") {
        return;
    }
    let (nstools, _) = scratch("exdev");
    // /run is a tmpfs of its own in the sandbox.
    let script = "mkdir /run/bin && nstools --install /run/bin; echo \"status=$?\"; ls -A /run/bin";
    let r = testkit::run(script, nstools.to_str().unwrap());
    assert_eq!(r.stdout, "status=1\n");
    assert_eq!(
        r.stderr,
        "nstools: /run/bin/nsadd: Invalid cross-device link (try -s)\n"
    );
}
