//! Concurrent calls on one interface, as racing Makefile recipes make them:
//! every outcome stays exact and nothing is corrupted.

use testkit::Run;

mod support;

/// `script` in a lab of its own, through links to the multi-call binary,
/// after red is made with veth-red (its peer veth-blue beside it).
fn lab(test: &str, script: &str) -> Option<Run> {
    let setup = "ip netns add red && ip -n red link add veth-red type veth peer name veth-blue || exit 99\n";
    support::lab(test, &format!("{setup}{script}"))
}

#[test]
fn twenty_racing_adds_of_one_address_make_one_and_say_so() {
    let Some(r) = lab(
        "same_address",
        "for i in $(seq 20); do (ipassign -n red veth-red 10.0.0.9/24 2>>/run/err; echo $? >> /run/codes) & done; wait
        sort /run/codes | uniq -c | awk '{print $2\"x\"$1}'
        sort -u /run/err | wc -l
        ip -n red -o addr show dev veth-red | grep -c 10.0.0.9/24",
    ) else {
        return;
    };
    assert_eq!(r.stdout, "0x1\n1x19\n1\n1\n", "{r:?}");
}

#[test]
fn twenty_racing_adds_with_exist_ok_all_succeed() {
    let Some(r) = lab(
        "exist_ok",
        "for i in $(seq 20); do (ipassign -p -n red veth-red 10.0.0.1/24; echo $? >> /run/codes) & done; wait
        sort -u /run/codes
        ip -n red -o addr show dev veth-red | grep -c 10.0.0.1/24",
    ) else {
        return;
    };
    assert_eq!(
        (r.stdout.as_str(), r.stderr.as_str()),
        ("0\n1\n", ""),
        "{r:?}"
    );
}

#[test]
fn twenty_racing_adds_of_distinct_addresses_all_land() {
    let Some(r) = lab(
        "distinct",
        "for i in $(seq 20); do (ipassign -n red veth-red 10.0.1.$i/24 fd00::$i/64; echo $? >> /run/codes) & done; wait
        sort -u /run/codes
        ip -n red -o -4 addr show dev veth-red | wc -l
        ip -n red -o -6 addr show dev veth-red scope global | wc -l",
    ) else {
        return;
    };
    assert_eq!(
        (r.stdout.as_str(), r.stderr.as_str()),
        ("0\n20\n20\n", ""),
        "{r:?}"
    );
}

#[test]
fn racing_ups_and_downs_all_succeed_and_the_last_word_holds() {
    let Some(r) = lab(
        "up_down",
        "for i in $(seq 20); do (linkup -n red veth-red; echo $? >> /run/codes) & (linkup -n red --down veth-red; echo $? >> /run/codes) & done; wait
        linkup -n red veth-red
        sort -u /run/codes
        ip -n red -o link show veth-red | grep -c '[<,]UP[,>]'",
    ) else {
        return;
    };
    assert_eq!(
        (r.stdout.as_str(), r.stderr.as_str()),
        ("0\n1\n", ""),
        "{r:?}"
    );
}
