//! Namespaces as the kernel names them to each other: the id (nsid) one
//! namespace has for another, which is how a link says where its peer is.

use std::os::fd::{AsFd, AsRawFd};

use nscore::message::Message;
use nscore::rtnl::{attributes, NetlinkError, Rtnl};

const RTM_NEWNSID: u16 = 88;
const RTM_GETNSID: u16 = 90;
const NETNSA_NSID: u16 = 1;
const NETNSA_FD: u16 = 3;

/// The id the socket's namespace has for namespace `fd` (RTM_GETNSID), or
/// None when it has none (then no link of ours can point there).
pub fn nsid_of(rtnl: &mut Rtnl, fd: impl AsFd) -> Result<Option<i32>, NetlinkError> {
    let mut message = Message::new(&[0]); // struct rtgenmsg, AF_UNSPEC
    message.put_u32(NETNSA_FD, fd.as_fd().as_raw_fd() as u32);
    let mut nsid = None;
    rtnl.request(RTM_GETNSID, 0, &message, |reply| {
        if reply.kind == RTM_NEWNSID {
            for (kind, value) in attributes(reply.payload.get(4..).unwrap_or(&[])) {
                if let (NETNSA_NSID, Ok(bytes)) = (kind, <[u8; 4]>::try_from(value)) {
                    nsid = Some(i32::from_ne_bytes(bytes));
                }
            }
        }
    })?;
    Ok(nsid.filter(|&id| id >= 0))
}

/// Whether `fd` is the namespace this thread is in (same nsfs inode).
pub fn is_current_namespace(fd: impl AsFd) -> bool {
    let ours = rustix::fs::stat("/proc/thread-self/ns/net");
    let theirs = rustix::fs::fstat(fd);
    match (ours, theirs) {
        (Ok(a), Ok(b)) => (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_own_namespace_is_recognised() {
        let ours = nscore::netns::open("/proc/self/ns/net").unwrap();
        assert!(is_current_namespace(&ours));
        let other = nscore::netns::open("/proc/1/ns/net");
        // PID 1 may share our namespace; only a different inode must differ.
        if let Ok(other) = other {
            let a = rustix::fs::fstat(&ours).unwrap();
            let b = rustix::fs::fstat(&other).unwrap();
            assert_eq!(is_current_namespace(&other), a.st_ino == b.st_ino);
        }
    }
}
