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

use std::ffi::OsString;
use std::io::{self, BufRead};
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
    /// Reading failed (`Interrupted` included: the caller decides).
    Read(io::Error),
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

/// Reads `input` one line at a time, skipping blank and comment lines.
pub struct Lines<R> {
    input: R,
    /// The number of the last line read (1 for the first).
    number: usize,
    line: Vec<u8>,
    /// `line` holds a whole line, handed out: clear it before reading on.
    complete: bool,
    /// The end, or an error after which nothing more is read.
    done: bool,
}

impl<R: BufRead> Lines<R> {
    pub fn new(input: R) -> Lines<R> {
        Lines {
            input,
            number: 0,
            line: Vec::new(),
            complete: false,
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
            let Some(line) = self.next_line()? else {
                self.done = true;
                break;
            };
            let words = split(line).map_err(|bad| Error::Line(self.number, bad))?;
            if !words.is_empty() {
                return Ok(Some((self.number, words)));
            }
        }
        Ok(None)
    }

    /// The next raw line, without its newline; `None` at the end. An
    /// interrupted read returns `Interrupted` and may be retried: what was
    /// read of the line so far is kept.
    fn next_line(&mut self) -> Result<Option<&[u8]>, Error> {
        if self.complete {
            self.line.clear();
            self.complete = false;
        }
        loop {
            let available = match self.input.fill_buf() {
                Ok(available) => available,
                Err(e) => return Err(Error::Read(e)),
            };
            if available.is_empty() {
                if self.line.is_empty() {
                    return Ok(None);
                }
                return Ok(Some(self.finish_line(0)));
            }
            let newline = available.iter().position(|&b| b == b'\n');
            let take = newline.map_or(available.len(), |at| at + 1);
            let content = self.line.len() + take - usize::from(newline.is_some());
            if content > MAX_LINE {
                self.number += 1;
                self.done = true;
                return Err(Error::Line(self.number, Bad::TooLong));
            }
            self.line.extend_from_slice(&available[..take]);
            self.input.consume(take);
            if newline.is_some() {
                return Ok(Some(self.finish_line(1)));
            }
        }
    }

    /// Counts the line just read and hands it over without its newline
    /// (`trailer` bytes); the buffer is cleared on the next call.
    fn finish_line(&mut self, trailer: usize) -> &[u8] {
        self.number += 1;
        self.complete = true;
        &self.line[..self.line.len() - trailer]
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

    fn all(input: &[u8]) -> Vec<Result<(usize, Vec<String>), String>> {
        let mut lines = Lines::new(input);
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
