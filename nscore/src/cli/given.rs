//! The values of the flags the tools share (`-n`, `-p`, `-f`, `-A`,
//! `--json`) and the operands, gathered once for every tool with
//! `--batch`: each tool's parser only handles its own flags.

use std::ffi::OsString;

use super::flags::{utf8, Arg, Batched, Command, Spec};

/// What the command line gave of the shared flags, and its operands.
#[derive(Debug, Default)]
pub struct Given {
    /// `-n NS`.
    pub netns: Option<String>,
    /// `-p`: already there is success.
    pub exist_ok: bool,
    /// `-f`: already gone is success.
    pub force: bool,
    /// `-A`: every named namespace.
    pub all: bool,
    /// `--json`.
    pub json: bool,
    /// The operands, in order, as text.
    pub operands: Vec<String>,
}

impl Given {
    /// Keeps `arg` when it is a shared flag or an operand (an action flag
    /// needs nothing kept: the parser returns the action); hands any
    /// other back.
    fn take(&mut self, arg: Arg) -> anyhow::Result<Option<Arg>> {
        match arg {
            Arg::Value("netns", ns) => self.netns = Some(ns),
            Arg::Switch("exist-ok") => self.exist_ok = true,
            Arg::Switch("force") => self.force = true,
            Arg::Switch("all-netns") => self.all = true,
            Arg::Switch("json") => self.json = true,
            Arg::Switch("list" | "delete") => {}
            Arg::Operand(operand) => self.operands.push(utf8(operand)?),
            other => return Ok(Some(other)),
        }
        Ok(None)
    }
}

impl Spec {
    /// [`Spec::parse_batch`], the shared flags and the operands kept in
    /// `given`, the tool's own flags handed to `own`.
    pub fn parse_given(
        &self,
        args: Vec<OsString>,
        given: &mut Given,
        mut own: impl FnMut(Arg) -> anyhow::Result<()>,
    ) -> anyhow::Result<Command<Batched>> {
        self.parse_batch(args, |arg| match given.take(arg)? {
            Some(arg) => own(arg),
            None => Ok(()),
        })
    }
}
