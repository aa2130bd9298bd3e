//! JSON written by hand, as `ip -j` prints it: an array of flat objects.
//! Strings are escaped so that the output is valid JSON whatever the name:
//! the kernel takes any bytes in an interface name but `/`, `:` and
//! whitespace, and a namespace name is any file name.

use std::io::Write;

/// Appends `s` as a JSON string literal.
pub fn string(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'"');
    escaped(out, s);
    out.push(b'"');
}

/// Appends the inside of a JSON string literal holding `s`: `"` and `\`
/// escaped, control characters as `\n`, `\t`, `\r` or `\u00XX`, and a byte
/// that is not UTF-8 as U+FFFD (JSON holds only Unicode text).
pub fn escaped(out: &mut Vec<u8>, s: &[u8]) {
    for chunk in s.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '"' => out.extend_from_slice(b"\\\""),
                '\\' => out.extend_from_slice(b"\\\\"),
                '\n' => out.extend_from_slice(b"\\n"),
                '\r' => out.extend_from_slice(b"\\r"),
                '\t' => out.extend_from_slice(b"\\t"),
                c if (c as u32) < 0x20 || c == '\u{7f}' => {
                    let _ = write!(out, "\\u{:04x}", c as u32);
                }
                c => out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
            }
        }
        if !chunk.invalid().is_empty() {
            out.extend_from_slice(b"\\ufffd");
        }
    }
}

/// An array of objects, one [`Object`] at a time: `[{...},{...}]`.
pub struct Array {
    out: Vec<u8>,
    empty: bool,
}

impl Default for Array {
    fn default() -> Array {
        Array::new()
    }
}

impl Array {
    pub fn new() -> Array {
        Array {
            out: vec![b'['],
            empty: true,
        }
    }

    /// Starts the next object of the array.
    pub fn object(&mut self) -> Object<'_> {
        if !self.empty {
            self.out.push(b',');
        }
        self.empty = false;
        Object::new(&mut self.out)
    }

    /// The whole array, and a newline, as `ip -j` ends it.
    pub fn finish(mut self) -> Vec<u8> {
        self.out.extend_from_slice(b"]\n");
        self.out
    }
}

/// One object, closed when dropped.
pub struct Object<'a> {
    out: &'a mut Vec<u8>,
    empty: bool,
}

impl<'a> Object<'a> {
    /// Starts an object in `out`.
    pub fn new(out: &'a mut Vec<u8>) -> Object<'a> {
        out.push(b'{');
        Object { out, empty: true }
    }

    /// Writes `"key":` and returns where its value goes.
    pub fn key(&mut self, key: &str) -> &mut Vec<u8> {
        if !self.empty {
            self.out.push(b',');
        }
        self.empty = false;
        string(self.out, key.as_bytes());
        self.out.push(b':');
        self.out
    }

    pub fn string(&mut self, key: &str, value: &[u8]) -> &mut Object<'a> {
        string(self.key(key), value);
        self
    }

    pub fn number(&mut self, key: &str, value: i64) -> &mut Object<'a> {
        let _ = write!(self.key(key), "{value}");
        self
    }

    /// `"key":["a","b"]`.
    pub fn strings<'s>(
        &mut self,
        key: &str,
        values: impl IntoIterator<Item = &'s [u8]>,
    ) -> &mut Object<'a> {
        let out = self.key(key);
        out.push(b'[');
        for (i, value) in values.into_iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            string(out, value);
        }
        out.push(b']');
        self
    }
}

impl Drop for Object<'_> {
    fn drop(&mut self) {
        self.out.push(b'}');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &[u8]) -> String {
        let mut out = Vec::new();
        string(&mut out, s);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn everything_json_forbids_is_escaped() {
        assert_eq!(text(b"veth-red"), r#""veth-red""#);
        assert_eq!(text(br#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(text(b"a\nb\tc\rd"), r#""a\nb\tc\rd""#);
        assert_eq!(text(b"\x01\x1b[0m\x7f"), r#""\u0001\u001b[0m\u007f""#);
        assert_eq!(text("é→".as_bytes()), "\"é→\"");
        assert_eq!(text(b"x\xffy\xc3"), r#""x\ufffdy\ufffd""#);
        assert_eq!(text(b""), r#""""#);
    }

    #[test]
    fn arrays_of_objects() {
        assert_eq!(Array::new().finish(), b"[]\n");
        let mut array = Array::new();
        array
            .object()
            .string("ifname", b"lo")
            .number("link_netnsid", -1)
            .strings("flags", [&b"UP"[..], b"LOOPBACK"]);
        {
            let mut second = array.object();
            second.strings("flags", []);
            let addresses = second.key("addr_info");
            addresses.extend_from_slice(b"[");
            Object::new(addresses).string("local", b"::1");
            addresses.extend_from_slice(b"]");
        }
        assert_eq!(
            String::from_utf8(array.finish()).unwrap(),
            "[{\"ifname\":\"lo\",\"link_netnsid\":-1,\"flags\":[\"UP\",\"LOOPBACK\"]},\
             {\"flags\":[],\"addr_info\":[{\"local\":\"::1\"}]}]\n"
        );
    }
}
