//! A batch file, line by line: each line is one invocation's arguments.
//!
//! Words are separated by blanks (space, tab, CR, VT, FF). A `#` that
//! starts a word starts a comment, to the end of the line; blank and
//! comment-only lines are skipped. Double quotes make one word of what
//! they enclose, blanks and `#` included (`"a b"`, `x"y z"`, `""`); inside
//! them `\"` is a quote and `\\` a backslash, any other backslash is itself.
//! Single quotes and backslashes outside quotes are ordinary characters.
//! Words are bytes, not text: the tool's own parser judges them, as it
//! judges a command line. A NUL byte, an unterminated quote or a line
//! over [`MAX_LINE`] bytes is an error naming the line.

use rustix::io::Errno;
use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;

/// The longest line read: far more than any command line of the tools,
/// and a bound on what a file without newlines makes us hold.
pub const MAX_LINE: usize = 64 * 1024;

/// What is wrong with a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bad {
    Nul,
    UnterminatedQuote,
    TooLong,
}

impl std::fmt::Display for Bad {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Bad::Nul => "a NUL byte in the line",
            Bad::UnterminatedQuote => "unterminated double quote",
            Bad::TooLong => "line longer than 65536 bytes",
        })
    }
}

/// Why no line could be read.
#[derive(Debug)]
pub enum Error {
    /// The line (numbered from 1) is malformed.
    Line(usize, Bad),
    /// Reading failed (EINTR included: the caller decides).
    Read(Errno),
}

/// Splits one line (without its newline) into words; empty for a blank or
/// comment-only line.
pub fn split(line: &[u8]) -> Result<Vec<OsString>, Bad> {
    if line.contains(&0) {
        return Err(Bad::Nul);
    }
    let mut words = Vec::new();
    let mut rest = line;
    loop {
        rest = trim_start(rest);
        match rest.first() {
            None | Some(b'#') => return Ok(words),
            Some(_) => {
                let (word, after) = word(rest)?;
                words.push(OsString::from_vec(word));
                rest = after;
            }
        }
    }
}

fn is_blank(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\r' | 0x0b | 0x0c)
}

fn trim_start(bytes: &[u8]) -> &[u8] {
    let blanks = bytes.iter().take_while(|&&b| is_blank(b)).count();
    &bytes[blanks..]
}

/// The word at the start of `bytes` (not blank), and what follows it.
fn word(bytes: &[u8]) -> Result<(Vec<u8>, &[u8]), Bad> {
    let mut word = Vec::new();
    let mut i = 0;
    while i < bytes.len() && !is_blank(bytes[i]) {
        if bytes[i] != b'"' {
            word.push(bytes[i]);
            i += 1;
            continue;
        }
        i += 1;
        loop {
            match bytes.get(i) {
                None => return Err(Bad::UnterminatedQuote),
                Some(b'"') => break,
                Some(b'\\') if matches!(bytes.get(i + 1), Some(b'"' | b'\\')) => {
                    word.push(bytes[i + 1]);
                    i += 2;
                }
                Some(&b) => {
                    word.push(b);
                    i += 1;
                }
            }
        }
        i += 1;
    }
    Ok((word, &bytes[i..]))
}

/// Where lines come from: a read(2) of the file, or bytes in a test.
pub trait Input {
    /// Reads into `buf`: how many bytes (0 at the end).
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Errno>;
}

impl<F: rustix::fd::AsFd> Input for F {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Errno> {
        rustix::io::read(self.as_fd(), buf)
    }
}

/// Reads `input` one line at a time, skipping blank and comment lines.
/// It buffers what it reads itself: reads may be cut anywhere, and one
/// interrupted by a signal loses nothing.
pub struct Lines<R> {
    input: R,
    /// The number of the last line read (1 for the first).
    number: usize,
    buf: Vec<u8>,
    /// `buf[start..end]` is read and not yet handed out.
    start: usize,
    end: usize,
    /// The end, or an error after which nothing more is read.
    done: bool,
}

impl<R: Input> Lines<R> {
    pub fn new(input: R) -> Lines<R> {
        Lines {
            input,
            number: 0,
            buf: vec![0; MAX_LINE + 1],
            start: 0,
            end: 0,
            done: false,
        }
    }

    /// The number of the last line read.
    pub fn number(&self) -> usize {
        self.number
    }

    /// The next line with words, and its number; `None` at the end.
    /// After an error, reading on is not meaningful.
    pub fn next_words(&mut self) -> Result<Option<(usize, Vec<OsString>)>, Error> {
        while !self.done {
            let Some((from, to)) = self.next_line()? else {
                self.done = true;
                break;
            };
            let words = split(&self.buf[from..to]).map_err(|bad| Error::Line(self.number, bad))?;
            if !words.is_empty() {
                return Ok(Some((self.number, words)));
            }
        }
        Ok(None)
    }

    /// Where the next line is in the buffer, without its newline; `None`
    /// at the end. An interrupted read returns EINTR, and may be retried.
    fn next_line(&mut self) -> Result<Option<(usize, usize)>, Error> {
        let mut looked = self.start;
        loop {
            if let Some(at) = self.buf[looked..self.end].iter().position(|&b| b == b'\n') {
                let line = (self.start, looked + at);
                self.start = looked + at + 1;
                self.number += 1;
                return Ok(Some(line));
            }
            looked = self.end;
            if self.end - self.start > MAX_LINE {
                self.number += 1;
                self.done = true;
                return Err(Error::Line(self.number, Bad::TooLong));
            }
            if self.end == self.buf.len() {
                // Make room: move what is left of the line to the front.
                self.buf.copy_within(self.start..self.end, 0);
                (looked, self.end) = (self.end - self.start, self.end - self.start);
                self.start = 0;
            }
            match self.input.read(&mut self.buf[self.end..]) {
                Ok(0) if self.start == self.end => return Ok(None),
                Ok(0) => {
                    // A last line without its newline.
                    let line = (self.start, self.end);
                    self.start = self.end;
                    self.number += 1;
                    return Ok(Some(line));
                }
                Ok(n) => self.end += n,
                Err(e) => return Err(Error::Read(e)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<String> {
        split(line.as_bytes())
            .unwrap()
            .into_iter()
            .map(|w| w.into_string().unwrap())
            .collect()
    }

    #[test]
    fn blanks_separate_words() {
        assert_eq!(
            words("-n red  veth-red\t10.0.0.1/24\r"),
            ["-n", "red", "veth-red", "10.0.0.1/24"]
        );
        assert!(words("").is_empty());
        assert!(words(" \t ").is_empty());
    }

    #[test]
    fn comments_start_at_a_word() {
        assert!(words("# a comment").is_empty());
        assert!(words("   #indented").is_empty());
        assert_eq!(words("red # blue"), ["red"]);
        assert_eq!(words("a#b #c"), ["a#b"]);
    }

    #[test]
    fn double_quotes_make_one_word() {
        assert_eq!(words("\"a b\" c"), ["a b", "c"]);
        assert_eq!(words("x\"y z\"w"), ["xy zw"]);
        assert_eq!(words("\"\""), [""]);
        assert_eq!(words("\"# not a comment\""), ["# not a comment"]);
        assert_eq!(words(r#""say \"hi\" \\ \n""#), [r#"say "hi" \ \n"#]);
        assert_eq!(words("'a b'"), ["'a", "b'"]);
        assert_eq!(words(r"a\ b"), [r"a\", "b"]);
    }

    #[test]
    fn malformed_lines_are_refused() {
        assert_eq!(split(b"\"open"), Err(Bad::UnterminatedQuote));
        assert_eq!(split(b"a \"b\\\""), Err(Bad::UnterminatedQuote));
        assert_eq!(split(b"a\0b"), Err(Bad::Nul));
        assert_eq!(split(b"# \0 in a comment"), Err(Bad::Nul));
    }

    #[test]
    fn words_are_bytes() {
        let w = split(b"caf\xe9 x").unwrap();
        assert_eq!(w[0].clone().into_vec(), b"caf\xe9");
    }

    /// Bytes, handed out at most `size` at a time.
    pub struct Chunks<'a> {
        pub bytes: &'a [u8],
        pub size: usize,
    }

    impl Input for Chunks<'_> {
        fn read(&mut self, buf: &mut [u8]) -> Result<usize, Errno> {
            let n = self.size.min(buf.len()).min(self.bytes.len());
            buf[..n].copy_from_slice(&self.bytes[..n]);
            self.bytes = &self.bytes[n..];
            Ok(n)
        }
    }

    fn all(input: &[u8]) -> Vec<Result<(usize, Vec<String>), String>> {
        let mut lines = Lines::new(Chunks {
            bytes: input,
            size: 7,
        });
        let mut out = Vec::new();
        loop {
            match lines.next_words() {
                Ok(Some((n, w))) => out.push(Ok((
                    n,
                    w.into_iter().map(|w| w.into_string().unwrap()).collect(),
                ))),
                Ok(None) => return out,
                Err(Error::Line(n, bad)) => {
                    out.push(Err(format!("{n}: {bad}")));
                    return out;
                }
                Err(Error::Read(e)) => panic!("{e}"),
            }
        }
    }

    #[test]
    fn lines_are_numbered_as_in_the_file() {
        let got = all(b"# head\n\nred blue\n  \ngreen\r\nlast");
        assert_eq!(
            got,
            [
                Ok((3, vec!["red".to_string(), "blue".to_string()])),
                Ok((5, vec!["green".to_string()])),
                Ok((6, vec!["last".to_string()])),
            ]
        );
        assert!(all(b"").is_empty());
        assert!(all(b"\n\n").is_empty());
        assert_eq!(
            all(b"a\n\"b\n"),
            [
                Ok((1, vec!["a".to_string()])),
                Err("2: unterminated double quote".to_string())
            ]
        );
    }

    #[test]
    fn long_lines_are_refused_without_reading_them_whole() {
        let mut input = b"ok\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', MAX_LINE));
        input.extend(b"\n");
        let got = all(&input);
        assert_eq!(got[0], Ok((1, vec!["ok".to_string()])));
        assert!(got[1].is_ok(), "a line of MAX_LINE bytes is fine");
        input.truncate(3);
        input.extend(std::iter::repeat_n(b'x', MAX_LINE + 1));
        assert_eq!(
            all(&input)[1],
            Err("2: line longer than 65536 bytes".to_string())
        );
    }
}
