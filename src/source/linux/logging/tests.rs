use super::natural_cmp;
use super::rsyslog::{route_text, Routing};
use std::cmp::Ordering;

#[test]
fn natural_order_compares_digit_runs_by_value() {
    assert_eq!(natural_cmp("9-a.rules", "10-b.rules"), Ordering::Less);
    assert_eq!(natural_cmp("10-b.rules", "9-a.rules"), Ordering::Greater);
    assert_eq!(natural_cmp("a.rules", "a.rules"), Ordering::Equal);
}

#[test]
fn rsyslog_routing_follows_rule_order_and_stop() {
    let debian =
        "auth,authpriv.*\t\t\t/var/log/auth.log\n*.*;auth,authpriv.none\t\t-/var/log/syslog\n";
    assert_eq!(route_text(debian), Routing::Local);
    // A stop read before the shipped rules drops auth messages.
    assert_eq!(
        route_text(&format!("auth,authpriv.* stop\n{debian}")),
        Routing::None
    );
    // auth still reaches auth.log, but sudo's and PAM's authpriv messages are dropped.
    assert_eq!(
        route_text(&format!("authpriv.* ~\n{debian}")),
        Routing::None
    );
    assert_eq!(
        route_text("auth.* /var/log/auth.log\nauthpriv.* @@logs\n"),
        Routing::Local
    );
    assert_eq!(
        route_text("*.*;auth,authpriv.none -/var/log/syslog\n"),
        Routing::None
    );
    assert_eq!(route_text("*.* @@logs.example.net:514\n"), Routing::Remote);
    assert_eq!(
        route_text("auth.err /var/log/auth.log\n"),
        Routing::None,
        "info is below err"
    );
    assert_eq!(
        route_text("auth,authpriv.* action(type=\"omfwd\" target=\"10.0.0.5\")\n"),
        Routing::Remote
    );
    assert_eq!(
        route_text("authpriv.* /var/log/secure\n& stop\n*.* @@remote\n"),
        Routing::Local
    );
}
