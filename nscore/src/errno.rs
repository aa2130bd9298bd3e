//! Error texts as glibc words them. The binaries are static musl, whose
//! `strerror` says "Network unreachable" or "Resource busy" where every
//! `ip` and `ping` user's logs and scripts say "Network is unreachable" and
//! "Device or resource busy". So the texts of every errno the tools can meet
//! (files, mounts, namespaces, exec, sockets, netlink, writes) are kept
//! here, as glibc has them; `cli::strerror` asks this table first.
//!
//! The table is packed at compile time into one byte string (code, length,
//! text, ...): no pointer per entry, so it costs little more than its text.
//! [`Texts`] can pack any small table of codes (nsping's resolver errors).

use rustix::io::Errno;

/// Texts keyed by a code from 0 to 255, packed into `N` bytes.
pub struct Texts<const N: usize>([u8; N]);

/// The bytes [`Texts::pack`] needs for `entries`.
pub const fn packed_len(entries: &[(i32, &str)]) -> usize {
    let mut len = 0;
    let mut i = 0;
    while i < entries.len() {
        len += 2 + entries[i].1.len();
        i += 1;
    }
    len
}

impl<const N: usize> Texts<N> {
    /// Packs `entries`; N must be `packed_len(entries)`. Runs at compile
    /// time, where a code or text that does not fit fails the build.
    pub const fn pack(entries: &[(i32, &str)]) -> Texts<N> {
        assert!(packed_len(entries) == N, "N must be packed_len(entries)");
        let mut bytes = [0; N];
        let (mut at, mut i) = (0, 0);
        while i < entries.len() {
            let (code, text) = (entries[i].0, entries[i].1.as_bytes());
            assert!(code >= 0 && code <= 255, "a code must fit in a byte");
            assert!(text.len() <= 255, "a text must be shorter than 256 bytes");
            bytes[at] = code as u8;
            bytes[at + 1] = text.len() as u8;
            let mut j = 0;
            while j < text.len() {
                bytes[at + 2 + j] = text[j];
                j += 1;
            }
            at += 2 + text.len();
            i += 1;
        }
        Texts(bytes)
    }

    /// The text for `code`, if the table has one.
    pub fn get(&'static self, code: i32) -> Option<&'static str> {
        let code = u8::try_from(code).ok()?;
        let mut rest: &'static [u8] = &self.0;
        while let [key, len, tail @ ..] = rest {
            let (text, next) = tail.split_at(usize::from(*len));
            if *key == code {
                return core::str::from_utf8(text).ok();
            }
            rest = next;
        }
        None
    }
}

/// `NAME "text"` pairs, NAME as rustix's `Errno` spells it.
macro_rules! errnos {
    ($($name:ident $text:literal)*) => { &[$((Errno::$name.raw_os_error(), $text)),*] };
}

const GLIBC_ENTRIES: &[(i32, &str)] = errnos! {
    PERM "Operation not permitted"
    NOENT "No such file or directory"
    SRCH "No such process"
    INTR "Interrupted system call"
    IO "Input/output error"
    NXIO "No such device or address"
    TOOBIG "Argument list too long"
    NOEXEC "Exec format error"
    BADF "Bad file descriptor"
    AGAIN "Resource temporarily unavailable"
    NOMEM "Cannot allocate memory"
    ACCESS "Permission denied"
    FAULT "Bad address"
    NOTBLK "Block device required"
    BUSY "Device or resource busy"
    EXIST "File exists"
    XDEV "Invalid cross-device link"
    NODEV "No such device"
    NOTDIR "Not a directory"
    ISDIR "Is a directory"
    INVAL "Invalid argument"
    NFILE "Too many open files in system"
    MFILE "Too many open files"
    NOTTY "Inappropriate ioctl for device"
    TXTBSY "Text file busy"
    FBIG "File too large"
    NOSPC "No space left on device"
    ROFS "Read-only file system"
    MLINK "Too many links"
    PIPE "Broken pipe"
    RANGE "Numerical result out of range"
    NAMETOOLONG "File name too long"
    NOLCK "No locks available"
    NOSYS "Function not implemented"
    NOTEMPTY "Directory not empty"
    LOOP "Too many levels of symbolic links"
    NODATA "No data available"
    PROTO "Protocol error"
    BADMSG "Bad message"
    OVERFLOW "Value too large for defined data type"
    LIBBAD "Accessing a corrupted shared library"
    NOTSOCK "Socket operation on non-socket"
    DESTADDRREQ "Destination address required"
    MSGSIZE "Message too long"
    PROTOTYPE "Protocol wrong type for socket"
    NOPROTOOPT "Protocol not available"
    PROTONOSUPPORT "Protocol not supported"
    SOCKTNOSUPPORT "Socket type not supported"
    OPNOTSUPP "Operation not supported"
    PFNOSUPPORT "Protocol family not supported"
    AFNOSUPPORT "Address family not supported by protocol"
    ADDRINUSE "Address already in use"
    ADDRNOTAVAIL "Cannot assign requested address"
    NETDOWN "Network is down"
    NETUNREACH "Network is unreachable"
    NETRESET "Network dropped connection on reset"
    CONNABORTED "Software caused connection abort"
    CONNRESET "Connection reset by peer"
    NOBUFS "No buffer space available"
    ISCONN "Transport endpoint is already connected"
    NOTCONN "Transport endpoint is not connected"
    SHUTDOWN "Cannot send after transport endpoint shutdown"
    TIMEDOUT "Connection timed out"
    CONNREFUSED "Connection refused"
    HOSTDOWN "Host is down"
    HOSTUNREACH "No route to host"
    ALREADY "Operation already in progress"
    INPROGRESS "Operation now in progress"
    STALE "Stale file handle"
    DQUOT "Disk quota exceeded"
    CANCELED "Operation canceled"
    RFKILL "Operation not possible due to RF-kill"
};

static GLIBC: Texts<{ packed_len(GLIBC_ENTRIES) }> = Texts::pack(GLIBC_ENTRIES);

/// glibc's text for `errno`, when it is one the tools can meet.
pub fn text(errno: i32) -> Option<&'static str> {
    GLIBC.get(errno)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// glibc's own `strerror` (the test binaries link glibc).
    #[cfg(target_env = "gnu")]
    fn glibc(errno: i32) -> String {
        extern "C" {
            fn strerror(errnum: core::ffi::c_int) -> *const core::ffi::c_char;
        }
        // SAFETY: strerror returns a NUL-terminated string, copied at once.
        let text = unsafe { core::ffi::CStr::from_ptr(strerror(errno)) };
        text.to_string_lossy().into_owned()
    }

    #[test]
    #[cfg(target_env = "gnu")]
    fn every_text_is_glibcs() {
        for (errno, _) in GLIBC_ENTRIES {
            assert_eq!(text(*errno), Some(glibc(*errno).as_str()), "errno {errno}");
        }
    }

    #[test]
    fn the_errnos_the_tools_meet_are_all_there() {
        // Those the fault tests inject, netlink's usual answers, and the
        // wordings musl and glibc disagree on most visibly.
        for e in [
            Errno::NOMEM,
            Errno::PERM,
            Errno::NOSPC,
            Errno::BUSY,
            Errno::ADDRNOTAVAIL,
            Errno::NETUNREACH,
            Errno::OPNOTSUPP,
            Errno::NOEXEC,
            Errno::NOTTY,
            Errno::RFKILL,
        ] {
            assert!(text(e.raw_os_error()).is_some(), "{e:?}");
        }
    }

    #[test]
    fn unknown_codes_have_no_text() {
        assert_eq!(text(0), None);
        assert_eq!(text(-1), None);
        assert_eq!(text(524), None);
        assert_eq!(text(Errno::CHILD.raw_os_error()), None);
    }

    #[test]
    fn any_small_table_packs() {
        const ENTRIES: &[(i32, &str)] = &[(2, "Name or service not known"), (255, ""), (0, "x")];
        static T: Texts<{ packed_len(ENTRIES) }> = Texts::pack(ENTRIES);
        assert_eq!(T.get(2), Some("Name or service not known"));
        assert_eq!(
            (T.get(255), T.get(0), T.get(1), T.get(256)),
            (Some(""), Some("x"), None, None)
        );
    }
}
