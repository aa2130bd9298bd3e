//! The batch line reader on arbitrary bytes (quotes, comments, NUL bytes,
//! invalid UTF-8, lines of any length, read in pieces of any size): never
//! a panic, line numbers that only grow, no line longer than the limit,
//! and every line it splits splits again to the same words once quoted.
#![no_main]

use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;

use libfuzzer_sys::fuzz_target;
use nscore::batch::lines::{split, Error, Input, Lines, MAX_LINE};

/// `word` as a batch line writes it: in double quotes, `"` and `\` escaped.
fn quoted(word: &OsString) -> Vec<u8> {
    let mut out = vec![b'"'];
    for &b in word.as_bytes() {
        if b == b'"' || b == b'\\' {
            out.push(b'\\');
        }
        out.push(b);
    }
    out.push(b'"');
    out
}

/// Bytes handed out at most `size` at a time, as a pipe may.
struct Chunked<'a> {
    bytes: &'a [u8],
    size: usize,
}

impl Input for Chunked<'_> {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, rustix::io::Errno> {
        let n = self.size.min(buf.len()).min(self.bytes.len());
        buf[..n].copy_from_slice(&self.bytes[..n]);
        self.bytes = &self.bytes[n..];
        Ok(n)
    }
}

fuzz_target!(|data: &[u8]| {
    // The first byte chooses how much each read returns.
    let Some((&size, input)) = data.split_first() else {
        return;
    };
    let mut lines = Lines::new(Chunked {
        bytes: input,
        size: usize::from(size) + 1,
    });
    let mut last = 0;
    loop {
        match lines.next_words() {
            Ok(Some((number, words))) => {
                assert!(number > last && !words.is_empty());
                last = number;
                let line: Vec<u8> = words
                    .iter()
                    .map(quoted)
                    .collect::<Vec<_>>()
                    .join(&b' ');
                assert_eq!(split(&line).unwrap(), words);
                assert!(words.iter().all(|w| w.len() <= MAX_LINE && !w.as_bytes().contains(&0)));
            }
            Ok(None) => break,
            Err(Error::Line(number, _)) => {
                assert!(number > last);
                break;
            }
            Err(Error::Read(e)) => panic!("reading a slice failed: {e}"),
        }
    }
    assert!(last <= input.iter().filter(|&&b| b == b'\n').count() + 1);
});
