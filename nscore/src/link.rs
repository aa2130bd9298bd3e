//! Interfaces as the link tools see them: a socket in the namespace `-n NS`
//! names, one interface looked up by name, and the one error message for an
//! interface that is not there.

use anyhow::anyhow;

use crate::cli::quote;
use crate::message::{ifinfomsg, Message};
use crate::netns::{self, Where};
use crate::rtnl::{
    attributes, NetlinkError, Rtnl, IFINFOMSG_LEN, NLM_F_DUMP, RTM_GETLINK, RTM_NEWLINK,
};

/// `IFF_UP`: administratively up.
pub const IFF_UP: u32 = 1;
/// `IFF_RUNNING`: operationally up (the kernel's linkwatch has run since
/// the carrier came).
pub const IFF_RUNNING: u32 = 0x40;
/// `IFF_LOWER_UP`: the driver reports carrier.
pub const IFF_LOWER_UP: u32 = 1 << 16;

pub const IFLA_IFNAME: u16 = 3;
pub const IFLA_LINK: u16 = 5;
pub const IFLA_OPERSTATE: u16 = 16;
pub const IFLA_LINKINFO: u16 = 18;
pub const IFLA_INFO_KIND: u16 = 1;
pub const IFLA_INFO_DATA: u16 = 2;
pub const IFLA_NET_NS_FD: u16 = 28;
pub const IFLA_EXT_MASK: u16 = 29;
pub const IFLA_LINK_NETNSID: u16 = 37;
pub const IFLA_TARGET_NETNSID: u16 = 46;
/// `RTEXT_FILTER_SKIP_STATS`: leave the counters out of link replies.
pub const RTEXT_FILTER_SKIP_STATS: u32 = 1 << 3;

const ENODEV: i32 = 19;

/// What a link reply says about one interface (the few fields the tools
/// need; the rest is skipped, not decoded).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Link {
    pub index: u32,
    pub flags: u32,
    /// As the kernel holds it: any bytes but `/`, `:` and whitespace.
    pub name: Vec<u8>,
    /// `IFLA_INFO_KIND`: "veth", "bridge", … (None for plain devices).
    pub kind: Option<String>,
    /// `IFLA_LINK`: the peer's or lower device's index, when it differs
    /// from the interface's own.
    pub link: Option<u32>,
    /// `IFLA_LINK_NETNSID`: where `link` lives, as an id in this
    /// namespace; absent when it is this namespace.
    pub link_netnsid: Option<i32>,
    /// `IFLA_OPERSTATE` (RFC 2863), see [`operstate_name`].
    pub operstate: u8,
}

impl Link {
    /// Reads an `RTM_NEWLINK` payload (`ifinfomsg` + attributes).
    pub fn parse(payload: &[u8]) -> Option<Link> {
        let header = payload.get(..IFINFOMSG_LEN)?;
        let word = |at: usize| u32::from_ne_bytes(header[at..at + 4].try_into().unwrap());
        let mut link = Link {
            index: word(4),
            flags: word(8),
            ..Link::default()
        };
        for (kind, value) in attributes(&payload[IFINFOMSG_LEN..]) {
            match kind {
                IFLA_IFNAME => link.name = c_bytes(value).to_vec(),
                IFLA_LINK => link.link = u32_of(value),
                IFLA_LINK_NETNSID => link.link_netnsid = u32_of(value).map(|v| v as i32),
                IFLA_OPERSTATE => link.operstate = value.first().copied().unwrap_or(0),
                IFLA_LINKINFO => {
                    for (kind, value) in attributes(value) {
                        if kind == IFLA_INFO_KIND {
                            link.kind = Some(c_string(value));
                        }
                    }
                }
                _ => {}
            }
        }
        Some(link)
    }

    /// The name as text, for messages (a byte that is not UTF-8 shown as
    /// U+FFFD).
    pub fn name_lossy(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.name)
    }

    pub fn is_up(&self) -> bool {
        self.flags & IFF_UP != 0
    }

    /// Up, with carrier, and operationally up: it carries traffic.
    pub fn is_running(&self) -> bool {
        let all = IFF_UP | IFF_LOWER_UP | IFF_RUNNING;
        self.flags & all == all
    }
}

/// An operational state as `ip` names it.
pub fn operstate_name(state: u8) -> &'static str {
    const NAMES: [&str; 7] = [
        "UNKNOWN",
        "NOTPRESENT",
        "DOWN",
        "LOWERLAYERDOWN",
        "TESTING",
        "DORMANT",
        "UP",
    ];
    NAMES.get(state as usize).copied().unwrap_or("UNKNOWN")
}

/// A string attribute without its terminating NUL.
pub fn c_bytes(value: &[u8]) -> &[u8] {
    value.split(|&b| b == 0).next().unwrap_or(&[])
}

fn c_string(value: &[u8]) -> String {
    String::from_utf8_lossy(c_bytes(value)).into_owned()
}

fn u32_of(value: &[u8]) -> Option<u32> {
    Some(u32::from_ne_bytes(value.get(..4)?.try_into().ok()?))
}

/// Sends one `RTM_GETLINK` request (by index, or by name with index 0) and
/// reads the link it answers with; `Ok(None)` when the kernel says there is
/// no such device.
pub fn query(rtnl: &mut Rtnl, request: &impl AsRef<[u8]>) -> Result<Option<Link>, NetlinkError> {
    let mut found = None;
    let outcome = rtnl.request(RTM_GETLINK, 0, request, |reply| {
        if reply.kind == RTM_NEWLINK && found.is_none() {
            found = Link::parse(reply.payload);
        }
    });
    match outcome {
        Ok(()) => Ok(found),
        Err(e) if is_no_device(&e) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Every interface in the socket's namespace, in the kernel's order (one
/// RTM_GETLINK dump, without counters).
pub fn dump(rtnl: &mut Rtnl) -> Result<Vec<Link>, NetlinkError> {
    let mut links = Vec::new();
    dump_each(rtnl, |link, _| links.push(link))?;
    Ok(links)
}

/// [`dump`], handing each link to `each` with its reply's payload, for
/// the attributes [`Link`] leaves out.
pub fn dump_each(rtnl: &mut Rtnl, mut each: impl FnMut(Link, &[u8])) -> Result<(), NetlinkError> {
    let mut request = Message::new(&ifinfomsg(0, 0, 0));
    request.put_u32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
    rtnl.request(RTM_GETLINK, NLM_F_DUMP, &request, |reply| {
        if reply.kind == RTM_NEWLINK {
            if let Some(link) = Link::parse(reply.payload) {
                each(link, reply.payload);
            }
        }
    })
}

/// The interface called `name` in the socket's namespace, if there is one.
pub fn get(rtnl: &mut Rtnl, name: &str) -> Result<Option<Link>, NetlinkError> {
    query(rtnl, &by_name(name))
}

/// An `RTM_GETLINK` request for one interface by name, without counters.
pub fn by_name(name: &str) -> Message {
    let mut request = Message::new(&ifinfomsg(0, 0, 0));
    request
        .put_str(IFLA_IFNAME, name)
        .put_u32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
    request
}

/// An `RTM_GETLINK` request for interface `index`, in the namespace with
/// id `nsid` (IFLA_TARGET_NETNSID) when given, without counters.
pub fn by_index(index: u32, nsid: Option<i32>) -> Message {
    let mut message = Message::new(&ifinfomsg(index, 0, 0));
    if let Some(nsid) = nsid {
        message.put_i32(IFLA_TARGET_NETNSID, nsid);
    }
    message.put_u32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
    message
}

/// The interface called `name`, or an error that names it and the
/// namespace (`ns`, as given on the command line) it was looked up in.
pub fn resolve(rtnl: &mut Rtnl, name: &str, ns: Where<'_>) -> anyhow::Result<Link> {
    match get(rtnl, name) {
        Ok(Some(link)) => Ok(link),
        Ok(None) => Err(no_such_interface(name, ns)),
        Err(e) => Err(anyhow!(
            "{}: cannot look up interface{ns}: {e}",
            quote(name)
        )),
    }
}

/// `veth-red: no such interface in namespace "red"`.
pub fn no_such_interface(name: &str, ns: Where<'_>) -> anyhow::Error {
    anyhow!("{}: no such interface{ns}", quote(name))
}

/// Whether a kernel error means "no such device".
pub fn is_no_device(error: &NetlinkError) -> bool {
    error.errno == ENODEV
}

/// A netlink socket in namespace `ns` (entered first, as a socket belongs
/// to the namespace it is opened in), or in the current one.
pub fn socket(ns: Option<&str>) -> anyhow::Result<Rtnl> {
    if let Some(ns) = ns {
        netns::enter(ns)?;
    }
    Rtnl::open().map_err(|e| anyhow!("cannot open netlink socket: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(index: u32, flags: u32, attrs: impl FnOnce(&mut Message)) -> Vec<u8> {
        let mut m = Message::new(&ifinfomsg(index, flags, 0));
        attrs(&mut m);
        m.bytes().to_vec()
    }

    #[test]
    fn a_veth_reply_gives_its_peer_and_kind() {
        let r = reply(4, IFF_UP | IFF_LOWER_UP, |m| {
            m.put_str(IFLA_IFNAME, "veth-red")
                .put_u32(IFLA_LINK, 2)
                .put(4, &1500u32.to_ne_bytes())
                .put_i32(IFLA_LINK_NETNSID, 0)
                .put(IFLA_OPERSTATE, &[6])
                .nest(IFLA_LINKINFO, |m| {
                    m.put_str(IFLA_INFO_KIND, "veth");
                });
        });
        let link = Link::parse(&r).unwrap();
        assert_eq!(
            link,
            Link {
                index: 4,
                flags: IFF_UP | IFF_LOWER_UP,
                name: "veth-red".into(),
                kind: Some("veth".into()),
                link: Some(2),
                link_netnsid: Some(0),
                operstate: 6,
            }
        );
        assert!(link.is_up());
        assert!(!link.is_running(), "no IFF_RUNNING");
        assert_eq!(operstate_name(link.operstate), "UP");
        assert_eq!(operstate_name(3), "LOWERLAYERDOWN");
        assert_eq!(operstate_name(200), "UNKNOWN");
    }

    #[test]
    fn lookups_by_index_name_the_target_namespace() {
        let m = by_index(5, Some(2));
        let b = m.bytes();
        assert_eq!(&b[4..8], &5u32.to_ne_bytes());
        let attrs: Vec<_> = attributes(&b[16..]).collect();
        assert_eq!(attrs[0], (IFLA_TARGET_NETNSID, &2i32.to_ne_bytes()[..]));
        assert_eq!(attrs[1].0, IFLA_EXT_MASK);
        assert_eq!(attributes(&by_index(5, None).bytes()[16..]).count(), 1);
    }

    #[test]
    fn short_or_plain_replies() {
        assert_eq!(Link::parse(&[0; 8]), None);
        let link = Link::parse(&reply(1, 8, |m| {
            m.put_str(IFLA_IFNAME, "lo");
        }))
        .unwrap();
        assert_eq!(
            (
                link.index,
                link.name.as_slice(),
                link.kind.as_deref(),
                link.link
            ),
            (1, &b"lo"[..], None, None)
        );
        assert!(!link.is_up());
    }

    #[test]
    fn missing_interfaces_are_named_with_their_namespace() {
        let e = no_such_interface("veth-red", Where(Some("red")));
        assert_eq!(
            e.to_string(),
            "veth-red: no such interface in namespace \"red\""
        );
        assert_eq!(
            no_such_interface("a b", Where(None)).to_string(),
            "\"a b\": no such interface"
        );
    }

    #[test]
    fn loopback_resolves_and_a_missing_name_does_not() {
        let mut rtnl = socket(None).unwrap();
        let lo = resolve(&mut rtnl, "lo", Where(None)).unwrap();
        assert_eq!((lo.index, &lo.name[..]), (1, &b"lo"[..]));
        assert_eq!(get(&mut rtnl, "nonexistent0").unwrap(), None);
        let e = resolve(&mut rtnl, "nonexistent0", Where(Some("x"))).unwrap_err();
        assert_eq!(
            e.to_string(),
            "nonexistent0: no such interface in namespace \"x\""
        );
        // The socket stays usable after the kernel's error.
        assert_eq!(get(&mut rtnl, "lo").unwrap().map(|l| l.index), Some(1));
        let all = dump(&mut rtnl).unwrap();
        assert!(
            all.iter().any(|l| l.index == 1 && l.name == b"lo"),
            "{all:?}"
        );
    }
}
