//! The HTML report (`--format html`): one self-contained page a consultant hands to a client. It
//! makes no request at view time (inline CSS, inline SVG charts drawn here, no script, and a
//! Content-Security-Policy that forbids loading anything), reads the same when printed (a page
//! per identity), and is byte-identical for the same input and `--as-of`. Every piece of text
//! from the evidence goes through `escape` (`E`); findings carry no secret value.

use crate::finding::{Finding, Level};
use crate::inventory::when::{format_day, format_instant};
use crate::report::story::{urgency, Group};
use crate::report::Report;
use jiff::Timestamp;
use std::fmt::{self, Write as _};

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(s: &str) -> String {
    E(s).to_string()
}

/// Text that is escaped as it is displayed (`escape` without the intermediate string).
struct E<'a>(&'a str);

impl fmt::Display for E<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.0.chars() {
            match c {
                '&' => f.write_str("&amp;")?,
                '<' => f.write_str("&lt;")?,
                '>' => f.write_str("&gt;")?,
                '"' => f.write_str("&quot;")?,
                '\'' => f.write_str("&#39;")?,
                c => f.write_char(c)?,
            }
        }
        Ok(())
    }
}

const LEVELS: [Level; 3] = [Level::Error, Level::Warning, Level::Note];
const FRAMEWORKS: [(&str, &str); 5] = [
    ("nist-csf-2.0", "NIST CSF 2.0"),
    ("nist-sp-800-63b", "NIST SP 800-63B"),
    ("owasp-nhi-top-10", "OWASP NHI Top 10"),
    ("cis-controls-v8", "CIS Controls v8"),
    ("cisa-eviction-strategies", "CISA Eviction Strategies"),
];
const CSS: &str = include_str!("html.css");

pub fn write(out: &mut dyn std::io::Write, r: &Report<'_>) -> std::io::Result<()> {
    let mut h = String::with_capacity(64 * 1024);
    page(&mut h, r).map_err(std::io::Error::other)?;
    out.write_all(h.as_bytes())
}

/// The anchor of a story group: its position, so that ids are unique and stable.
fn anchor(n: usize) -> String {
    format!("g{}", n + 1)
}

fn rule_name<'a>(r: &'a Report<'_>, code: &str) -> &'a str {
    r.catalog
        .index_of(code)
        .map_or("", |i| r.catalog.rules[i].meta.name.as_str())
}

fn days(from: Timestamp, to: Timestamp) -> i64 {
    (to.as_second() - from.as_second()).div_euclid(86_400)
}

fn page(h: &mut String, r: &Report<'_>) -> fmt::Result {
    let s = r.scope;
    let roots = if s.roots.is_empty() {
        "no paths".to_string()
    } else {
        s.roots.join(", ")
    };
    write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>resetgap report: {} as of {}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n",
        E(&roots),
        format_day(s.as_of)
    )?;
    write!(
        h,
        "<header><h1>Credentials that survived a password reset</h1>\n\
         <p class=\"sub\">resetgap {} · {} · as of {} · rule set <code>{}</code></p></header>\n",
        E(s.version),
        E(&roots),
        format_instant(s.as_of),
        E(&s.rule_set)
    )?;
    toc(h, r)?;
    summary(h, r, &roots)?;
    charts(h, r)?;
    for (n, g) in r.story.iter().enumerate() {
        group(h, r, n, g)?;
    }
    closure(h, r)?;
    remediation(h, r)?;
    scope(h, r, &roots)?;
    h.push_str("</body>\n</html>\n");
    Ok(())
}

fn toc(h: &mut String, r: &Report<'_>) -> fmt::Result {
    h.push_str(
        "<nav id=\"contents\"><h2>Contents</h2><ol>\n<li><a href=\"#summary\">Executive summary</a></li>\n\
         <li><a href=\"#charts\">Charts</a></li>\n<li><a href=\"#story\">Identities, hosts and files</a><ol>\n",
    );
    for (n, g) in r.story.iter().enumerate() {
        let what = if g.kind == "identity" { "" } else { g.kind };
        writeln!(
            h,
            "<li><a href=\"#{}\">{}</a> <span class=\"muted\">{what} {} open</span></li>",
            anchor(n),
            E(&g.name),
            g.open
        )?;
    }
    h.push_str("</ol></li>\n");
    if !r.closure.is_empty() {
        h.push_str("<li><a href=\"#closure\">Reset closure</a></li>\n");
    }
    h.push_str(
        "<li><a href=\"#remediation\">Remediation</a></li>\n\
         <li><a href=\"#frameworks\">Framework mapping</a></li>\n<li><a href=\"#scope\">Scope and coverage</a></li>\n</ol></nav>\n",
    );
    Ok(())
}

fn summary(h: &mut String, r: &Report<'_>, roots: &str) -> fmt::Result {
    let s = r.scope;
    let active: Vec<usize> = (0..r.findings.len())
        .filter(|&i| r.findings[i].suppressed.is_none())
        .collect();
    h.push_str("<section id=\"summary\"><h2>Executive summary</h2>\n<div class=\"cards\">");
    for l in LEVELS {
        let n = active.iter().filter(|&&i| r.findings[i].level == l).count();
        write!(
            h,
            "<div class=\"card {0}\"><b>{n}</b> {0}</div>",
            l.as_str()
        )?;
    }
    let used = active
        .iter()
        .filter(|&&i| r.findings[i].used_after_reset.is_some())
        .count();
    let suppressed = r.findings.len() - active.len();
    writeln!(
        h,
        "<div class=\"card used\"><b>{used}</b> used after the reset</div>\
         <div class=\"card\"><b>{suppressed}</b> suppressed</div></div>"
    )?;
    let survivors: Vec<(usize, &Group)> = r
        .story
        .iter()
        .enumerate()
        .filter(|(_, g)| g.kind == "identity" && g.open > 0)
        .collect();
    write!(
        h,
        "<p><b>{}</b> {} credentials or access that survived the last reset: ",
        survivors.len(),
        if survivors.len() == 1 {
            "identity has"
        } else {
            "identities have"
        }
    )?;
    for (k, (n, g)) in survivors.iter().enumerate() {
        let sep = if k == 0 { "" } else { ", " };
        write!(
            h,
            "{sep}<a href=\"#{}\">{}</a> ({})",
            anchor(*n),
            E(&g.name),
            g.open
        )?;
    }
    h.push_str(".</p>\n<h3>Most urgent</h3>\n<ol class=\"urgent\">\n");
    let mut order = active.clone();
    order.sort_by(|&a, &b| {
        urgency(&r.findings[a], r.catalog)
            .cmp(&urgency(&r.findings[b], r.catalog))
            .then(a.cmp(&b))
    });
    let group_of = group_of(r);
    let take = used.max(5);
    for &i in order.iter().take(take) {
        let f = &r.findings[i];
        write!(h, "<li>")?;
        if let Some(at) = f.used_after_reset {
            write!(
                h,
                "<strong class=\"act\">Used after the reset ({}): act now.</strong> ",
                format_day(at)
            )?;
        }
        writeln!(
            h,
            "<span class=\"badge {0}\">{0}</span> {1} <a href=\"#{2}\">{3}</a>: {4}</li>",
            f.level.as_str(),
            E(f.rule),
            group_of[i].map_or_else(String::new, anchor),
            E(&f.subject),
            E(first_sentence(&f.message))
        )?;
    }
    h.push_str("</ol>\n<h3>Scope</h3>\n");
    write!(
        h,
        "<p>Evidence as of <b>{}</b>, from {}: {} files read, {} accounts, {} credentials, {} host trees.",
        format_instant(s.as_of),
        E(roots),
        s.files,
        s.accounts,
        s.credentials,
        s.collections.len()
    )?;
    let dated = s.dated_collections();
    if !dated.is_empty() {
        write!(h, " Collected: {}.", E(&dated.join(", ")))?;
    }
    h.push_str("</p>\n");
    let missing: Vec<_> = s.not_assessed().collect();
    if missing.is_empty() {
        h.push_str("<p>Every rule was assessed.</p>\n");
    } else {
        h.push_str(
            "<div class=\"notassessed\"><p><b>Not assessed is not a pass.</b> These rules found \
             nothing because the input they read was not given; the estate may still have the \
             problems they look for.</p><ul>\n",
        );
        for c in missing {
            writeln!(
                h,
                "<li><b>{}</b> {}: not assessed, needs {}</li>",
                E(c.rule),
                E(rule_name(r, c.rule)),
                E(c.needs)
            )?;
        }
        h.push_str("</ul></div>\n");
    }
    if !r.diagnostics.is_empty() {
        let incomplete = r
            .diagnostics
            .iter()
            .filter(|d| d.makes_incomplete())
            .count();
        writeln!(
            h,
            "<p>{} input problems ({incomplete} made the scan incomplete); see <a href=\"#scope\">scope</a>.</p>",
            r.diagnostics.len()
        )?;
    }
    h.push_str("</section>\n");
    Ok(())
}

/// The story group of each finding.
fn group_of(r: &Report<'_>) -> Vec<Option<usize>> {
    let mut of = vec![None; r.findings.len()];
    for (n, g) in r.story.iter().enumerate() {
        for &i in &g.findings {
            if let Some(slot) = of.get_mut(i) {
                *slot = Some(n);
            }
        }
    }
    of
}

fn first_sentence(message: &str) -> &str {
    message.find(". ").map_or(message, |end| &message[..=end])
}

/// One row of a horizontal bar chart: a label (linked when `href`), and stacked parts by class.
struct Bar {
    label: String,
    href: Option<String>,
    parts: Vec<(usize, &'static str)>,
}

const WIDTH: f64 = 680.0;
const LABEL: f64 = 210.0;
const ROW: f64 = 22.0;

fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut t: String = text.chars().take(max - 1).collect();
    t.push('…');
    t
}

fn bars(h: &mut String, title: &str, rows: &[Bar]) -> fmt::Result {
    let max = rows
        .iter()
        .map(|b| b.parts.iter().map(|p| p.0).sum::<usize>())
        .max()
        .unwrap_or(0)
        .max(1);
    let height = ROW * rows.len() as f64 + 8.0;
    writeln!(
        h,
        "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" aria-label=\"{0}\"><title>{0}</title>",
        E(title)
    )?;
    let span = WIDTH - LABEL - 50.0;
    for (k, b) in rows.iter().enumerate() {
        let y = 4.0 + ROW * k as f64;
        let label = E(&clip(&b.label, 28)).to_string();
        match &b.href {
            Some(href) => write!(
                h,
                "<a href=\"#{href}\"><text x=\"{:.0}\" y=\"{:.1}\" class=\"label\">{label}</text></a>",
                LABEL - 6.0,
                y + 15.0
            )?,
            None => write!(
                h,
                "<text x=\"{:.0}\" y=\"{:.1}\" class=\"label\">{label}</text>",
                LABEL - 6.0,
                y + 15.0
            )?,
        }
        let mut x = LABEL;
        let mut total = 0;
        for &(n, class) in &b.parts {
            if n == 0 {
                continue;
            }
            let w = span * n as f64 / max as f64;
            write!(
                h,
                "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{:.0}\" class=\"{class}\"><title>{n} {class}</title></rect>",
                y + 3.0,
                ROW - 6.0
            )?;
            x += w;
            total += n;
        }
        writeln!(
            h,
            "<text x=\"{:.1}\" y=\"{:.1}\">{total}</text>",
            x + 4.0,
            y + 15.0
        )?;
    }
    h.push_str("</svg>\n");
    Ok(())
}

fn legend(h: &mut String, items: &[(&str, &str)]) {
    h.push_str("<p class=\"legend\">");
    for (class, text) in items {
        let _ = write!(h, "<span class=\"key {class}\"></span> {text} ");
    }
    h.push_str("</p>\n");
}

fn level_parts(findings: &[&Finding]) -> Vec<(usize, &'static str)> {
    LEVELS
        .iter()
        .map(|&l| {
            let n = findings.iter().filter(|f| f.level == l).count();
            (n, l.as_str())
        })
        .collect()
}

fn charts(h: &mut String, r: &Report<'_>) -> fmt::Result {
    let active: Vec<&Finding> = r
        .findings
        .iter()
        .filter(|f| f.suppressed.is_none())
        .collect();
    h.push_str("<section id=\"charts\"><h2>Charts</h2>\n<div class=\"grid\">\n");
    let level_keys = [("error", "error"), ("warning", "warning"), ("note", "note")];

    h.push_str("<figure><figcaption>Open findings by rule and level</figcaption>\n");
    let by_rule: Vec<Bar> = r
        .catalog
        .rules
        .iter()
        .filter_map(|rule| {
            let of: Vec<&Finding> = active
                .iter()
                .copied()
                .filter(|f| f.rule == rule.meta.code)
                .collect();
            (!of.is_empty()).then(|| Bar {
                label: format!("{} {}", rule.meta.code, rule.meta.name),
                href: Some(format!("rule-{}", rule.meta.code)),
                parts: level_parts(&of),
            })
        })
        .collect();
    bars(h, "Open findings by rule and level", &by_rule)?;
    legend(h, &level_keys);
    h.push_str("</figure>\n<figure><figcaption>Top identities by open findings</figcaption>\n");
    let mut top: Vec<(usize, &Group)> = r
        .story
        .iter()
        .enumerate()
        .filter(|(_, g)| g.kind == "identity" && g.open > 0)
        .collect();
    top.sort_by(|a, b| b.1.open.cmp(&a.1.open).then(a.0.cmp(&b.0)));
    let top: Vec<Bar> = top
        .iter()
        .take(10)
        .map(|&(n, g)| {
            let of: Vec<&Finding> = g
                .findings
                .iter()
                .filter_map(|&i| r.findings.get(i))
                .filter(|f| f.suppressed.is_none())
                .collect();
            Bar {
                label: g.name.clone(),
                href: Some(anchor(n)),
                parts: level_parts(&of),
            }
        })
        .collect();
    bars(h, "Top identities by open findings", &top)?;
    legend(h, &level_keys);
    h.push_str("</figure>\n");
    timeline(h, r)?;
    h.push_str("<figure><figcaption>Rule coverage</figcaption>\n");
    let assessed = r.scope.coverage.iter().filter(|c| c.assessed).count();
    let not = r.scope.coverage.len() - assessed;
    let coverage = [
        Bar {
            label: "assessed".into(),
            href: Some("scope".into()),
            parts: vec![(assessed, "assessed")],
        },
        Bar {
            label: "not assessed (no input)".into(),
            href: Some("scope".into()),
            parts: vec![(not, "unassessed")],
        },
    ];
    bars(h, "Rules assessed and not assessed", &coverage)?;
    let codes: Vec<&str> = r.scope.not_assessed().map(|c| c.rule).collect();
    if !codes.is_empty() {
        writeln!(
            h,
            "<p class=\"legend\">Not assessed: {}. No findings there is not a pass.</p>",
            E(&codes.join(", "))
        )?;
    }
    h.push_str("</figure>\n</div></section>\n");
    Ok(())
}

/// Credential age against the reset: for each open finding with an issue date whose identity has
/// a reset on record, a line from the issue date to the reset, and a mark where it was used after.
fn timeline(h: &mut String, r: &Report<'_>) -> fmt::Result {
    let mut rows: Vec<(usize, &Finding, Timestamp)> = Vec::new();
    for (n, g) in r.story.iter().enumerate() {
        let Some(reset) = &g.last_reset else { continue };
        for &i in &g.findings {
            if let Some(f) = r.findings.get(i) {
                if f.suppressed.is_none() && f.issued.is_some_and(|t| t <= reset.at) {
                    rows.push((n, f, reset.at));
                }
            }
        }
    }
    rows.truncate(24);
    h.push_str("<figure><figcaption>Credential age against the reset date</figcaption>\n");
    if rows.is_empty() {
        h.push_str("<p class=\"muted\">No open finding has both an issue date and a reset on record.</p></figure>\n");
        return Ok(());
    }
    let times = rows
        .iter()
        .flat_map(|(_, f, reset)| [f.issued, Some(*reset), f.used_after_reset])
        .flatten();
    let lo = times.clone().min().unwrap_or(r.scope.as_of).as_second() as f64;
    let hi = times.max().unwrap_or(r.scope.as_of).as_second() as f64;
    let span = (hi - lo).max(86_400.0);
    let plot = WIDTH - LABEL - 90.0;
    let x = |t: Timestamp| LABEL + plot * (t.as_second() as f64 - lo) / span;
    let height = ROW * rows.len() as f64 + 48.0;
    write!(
        h,
        "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" aria-label=\"Credential age against the reset date\"><title>Credential age against the reset date</title>\n\
         <text x=\"{:.1}\" y=\"12\">before reset</text>\n",
        LABEL + plot + 8.0
    )?;
    for (k, (n, f, reset)) in rows.iter().enumerate() {
        let y = 22.0 + ROW * k as f64 + 11.0;
        let Some(issued) = f.issued else { continue };
        write!(
            h,
            "<a href=\"#{}\"><text x=\"{:.0}\" y=\"{:.1}\" class=\"label\">{}</text></a>",
            anchor(*n),
            LABEL - 6.0,
            y + 4.0,
            E(&clip(&format!("{} {}", f.rule, f.subject), 28))
        )?;
        write!(
            h,
            "<line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\" class=\"age\"/><circle cx=\"{:.1}\" cy=\"{y:.1}\" r=\"4\" class=\"issued\"><title>issued {}</title></circle><rect x=\"{:.1}\" y=\"{:.1}\" width=\"3\" height=\"14\" class=\"reset\"><title>reset {}</title></rect>",
            x(issued),
            x(*reset),
            x(issued),
            format_day(issued),
            x(*reset) - 1.5,
            y - 7.0,
            format_day(*reset)
        )?;
        if let Some(used) = f.used_after_reset {
            write!(
                h,
                "<circle cx=\"{:.1}\" cy=\"{y:.1}\" r=\"5\" class=\"used\"><title>used after the reset {}</title></circle>",
                x(used),
                format_day(used)
            )?;
        }
        writeln!(
            h,
            "<text x=\"{:.1}\" y=\"{:.1}\">{} d</text>",
            LABEL + plot + 12.0,
            y + 4.0,
            days(issued, *reset)
        )?;
    }
    let axis = ROW * rows.len() as f64 + 26.0;
    write!(
        h,
        "<line x1=\"{LABEL}\" x2=\"{:.1}\" y1=\"{axis:.1}\" y2=\"{axis:.1}\" class=\"axis\"/>\
         <text x=\"{LABEL}\" y=\"{:.1}\">{}</text><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\n</svg>\n",
        LABEL + plot,
        axis + 16.0,
        format_day(Timestamp::from_second(lo as i64).unwrap_or(r.scope.as_of)),
        LABEL + plot,
        axis + 16.0,
        format_day(Timestamp::from_second(hi as i64).unwrap_or(r.scope.as_of)),
    )?;
    legend(
        h,
        &[
            ("issued", "issued"),
            ("reset", "identity's last reset"),
            ("used", "used after the reset"),
        ],
    );
    h.push_str("</figure>\n");
    Ok(())
}

fn group(h: &mut String, r: &Report<'_>, n: usize, g: &Group) -> fmt::Result {
    if n == 0 {
        h.push_str("<div id=\"story\"></div>\n");
    }
    let kind = match g.kind {
        "identity" => "",
        "host" => " <span class=\"muted\">(host)</span>",
        _ => " <span class=\"muted\">(file)</span>",
    };
    writeln!(
        h,
        "<section class=\"group\" id=\"{}\"><h2>{}{kind} <span class=\"count\">{} {}</span></h2>",
        anchor(n),
        E(&g.name),
        g.open,
        if g.kind == "identity" {
            "survived or open"
        } else {
            "open"
        }
    )?;
    if g.kind == "identity" {
        h.push_str("<dl class=\"chain\">");
        if !g.accounts.is_empty() {
            write!(
                h,
                "<dt>Linked accounts</dt><dd>{}</dd>",
                E(&g.accounts.join(", "))
            )?;
        }
        match &g.last_reset {
            Some(reset) => write!(
                h,
                "<dt>Last reset</dt><dd><b>{}</b> on {}, evidence <code>{}</code></dd>",
                format_instant(reset.at),
                E(&reset.account),
                E(&reset.evidence.to_string())
            )?,
            None => h.push_str("<dt>Last reset</dt><dd>none on record</dd>"),
        }
        h.push_str("</dl>\n");
    }
    h.push_str("<ol class=\"findings\">\n");
    for &i in &g.findings {
        let Some(f) = r.findings.get(i) else { continue };
        write!(
            h,
            "<li class=\"finding{}\"><p class=\"head\"><span class=\"badge {1}\">{1}</span> <a href=\"#rule-{2}\">{2}</a> {3} · <b>{4}</b>",
            if f.used_after_reset.is_some() { " hot" } else { "" },
            f.level.as_str(),
            E(f.rule),
            E(rule_name(r, f.rule)),
            E(&f.subject)
        )?;
        if let Some(at) = f.used_after_reset {
            write!(
                h,
                " <strong class=\"act\">Used after the reset ({}): act now</strong>",
                format_instant(at)
            )?;
        }
        if f.suppressed.is_some() {
            h.push_str(" <span class=\"muted\">(suppressed)</span>");
        }
        write!(
            h,
            "</p>\n<p>{}</p>\n<p class=\"meta\">Evidence <code>{}</code>",
            E(&f.message),
            E(&f.location.to_string())
        )?;
        if let Some(issued) = f.issued {
            write!(h, " · issued {}", format_instant(issued))?;
        }
        writeln!(h, " · fingerprint <code>{}</code></p>", E(&f.fingerprint))?;
        if !f.related.is_empty() {
            h.push_str("<ul class=\"related\">");
            for rel in &f.related {
                write!(
                    h,
                    "<li><code>{}</code> {}</li>",
                    E(&rel.location.to_string()),
                    E(&rel.message)
                )?;
            }
            h.push_str("</ul>\n");
        }
        if let Some(reason) = &f.suppressed {
            writeln!(
                h,
                "<p class=\"meta\">Accepted: {}</p>",
                E(&reason.justification())
            )?;
        }
        if let Some(expired) = &f.expired_exception {
            writeln!(
                h,
                "<p class=\"meta\">Exception expired: {}</p>",
                E(&expired.justification())
            )?;
        }
        h.push_str("</li>\n");
    }
    h.push_str("</ol></section>\n");
    Ok(())
}

/// `CM0033, CM0077` or nothing.
fn cisa_cell(ids: &[&str]) -> String {
    ids.join(", ")
}

/// The reset closure section: one card per closure record (`closure`), with its verdict badge
/// and tables of accounts, credentials, residual paths and missing evidence. Only when the
/// ledger holds a reset.
fn closure(h: &mut String, r: &Report<'_>) -> fmt::Result {
    use crate::closure::render::{event_text, password_text, sessions_text, state_text, when};
    if r.closure.is_empty() {
        return Ok(());
    }
    let s = crate::closure::render::summary(r.closure);
    write!(
        h,
        "<section id=\"closure\"><h2>Reset closure</h2>\n<p>{} resets in the audit logs: \
         <b>{}</b> open, <b>{}</b> unprovable, <b>{}</b> closed. Each card is one reset and \
         what it closed; CISA Eviction Strategies countermeasures in brackets.</p>\n",
        s.records, s.open, s.unprovable, s.closed
    )?;
    for (k, c) in r.closure.iter().enumerate() {
        let v = c.verdict.as_str();
        write!(
            h,
            "<article class=\"closure {v}\" id=\"closure-{}\"><h3><span class=\"badge {v}\">{v}</span> {} · {}</h3>\n\
             <p><b>{}</b>: {}</p>\n<dl class=\"chain\"><dt>Event</dt><dd>{} <code>{}</code> <span class=\"muted\">[{}]</span></dd>",
            k + 1,
            E(&c.identity.name),
            when(c.at),
            v,
            E(&c.verdict_reason),
            E(&event_text(c)),
            E(&c.event.evidence.to_string()),
            cisa_cell(&c.cisa)
        )?;
        for e in &c.echoes {
            write!(
                h,
                "<dt>Also logged</dt><dd>{} on {} at {} <code>{}</code></dd>",
                E(&e.action),
                E(&e.system),
                when(e.at),
                E(&e.evidence.to_string())
            )?;
        }
        for t in &c.tickets {
            write!(
                h,
                "<dt>Ticket</dt><dd>{} ({}): requested by {}, approved by {}, state {} <code>{}</code></dd>",
                E(&t.id),
                E(&t.system),
                E(t.requested_by.as_deref().unwrap_or("-")),
                E(t.approved_by.as_deref().unwrap_or("-")),
                E(t.state.as_deref().unwrap_or("-")),
                E(&t.evidence.to_string())
            )?;
        }
        for a in &c.approval {
            write!(
                h,
                "<dt>Approval</dt><dd>{}{}</dd>",
                a.rule.map_or(String::new(), |r| format!("{} ", E(r))),
                E(&a.message)
            )?;
        }
        for l in &c.identity.links {
            write!(
                h,
                "<dt>Link</dt><dd>{} and {}: {}{}</dd>",
                E(&l.accounts[0]),
                E(&l.accounts[1]),
                E(l.basis.describe()),
                if l.weak { " <b>(weak)</b>" } else { "" }
            )?;
        }
        h.push_str("</dl>\n<table><thead><tr><th>Account</th><th>Password after the reset</th><th>Sessions</th><th>CISA</th></tr></thead><tbody>\n");
        for a in &c.accounts {
            writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                E(&a.account),
                E(&password_text(a)),
                E(&sessions_text(a, c.at).unwrap_or_else(|| "-".into())),
                cisa_cell(&a.cisa)
            )?;
        }
        h.push_str("</tbody></table>\n");
        if !c.credentials.is_empty() {
            h.push_str("<table><thead><tr><th>Credential</th><th>Owner</th><th>State</th><th>Detail</th><th>CISA</th></tr></thead><tbody>\n");
            for cr in &c.credentials {
                let hot = matches!(
                    cr.state,
                    crate::closure::CredentialAfter::Survives
                        | crate::closure::CredentialAfter::UsedAfterReset
                );
                writeln!(
                    h,
                    "<tr><td>{} <code>{}</code></td><td>{}</td><td{}>{}</td><td>{} <code>{}</code></td><td>{}</td></tr>",
                    E(&cr.label),
                    E(&cr.id),
                    E(cr.owner.as_deref().unwrap_or("-")),
                    if hot { " class=\"survives\"" } else { "" },
                    state_text(cr),
                    E(&cr.detail),
                    E(&cr.evidence.to_string()),
                    cisa_cell(&cr.cisa)
                )?;
            }
            h.push_str("</tbody></table>\n");
        }
        for (title, items) in [
            ("Residual access paths", &c.residual),
            ("Missing evidence", &c.missing),
        ] {
            if items.is_empty() {
                continue;
            }
            write!(h, "<h4>{title}</h4>\n<table><thead><tr><th>Rule</th><th>What</th><th>Evidence</th><th>CISA</th></tr></thead><tbody>\n")?;
            for i in items.iter() {
                writeln!(
                    h,
                    "<tr><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
                    E(i.rule.unwrap_or("-")),
                    E(&i.message),
                    E(&i.location.as_ref().map_or(String::new(), |l| l.to_string())),
                    cisa_cell(&i.cisa)
                )?;
            }
            h.push_str("</tbody></table>\n");
        }
        if !c.accepted.is_empty() {
            h.push_str("<h4>Accepted by exception</h4>\n<table><thead><tr><th>Rule</th><th>What</th><th>Accepted</th><th>CISA</th></tr></thead><tbody>\n");
            for a in &c.accepted {
                writeln!(
                    h,
                    "<tr><td>{}</td><td>{} <code>{}</code></td><td>{}</td><td>{}</td></tr>",
                    E(a.rule),
                    E(&a.message),
                    E(&a.location.to_string()),
                    E(&a.exception.justification()),
                    cisa_cell(&a.cisa)
                )?;
            }
            h.push_str("</tbody></table>\n");
        }
        h.push_str("</article>\n");
    }
    h.push_str("</section>\n");
    Ok(())
}

/// Rule docs text: blank lines split paragraphs, `code` spans become `<code>`.
fn prose(h: &mut String, text: &str) {
    for para in text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
        h.push_str("<p>");
        let joined = para.split_whitespace().collect::<Vec<_>>().join(" ");
        for (k, part) in joined.split('`').enumerate() {
            let _ = if k % 2 == 1 {
                write!(h, "<code>{}</code>", E(part))
            } else {
                write!(h, "{}", E(part))
            };
        }
        h.push_str("</p>\n");
    }
}

fn remediation(h: &mut String, r: &Report<'_>) -> fmt::Result {
    let fired: Vec<&crate::rule::Rule> = r
        .catalog
        .rules
        .iter()
        .filter(|rule| r.findings.iter().any(|f| f.rule == rule.meta.code))
        .collect();
    h.push_str("<section id=\"remediation\"><h2>Remediation</h2>\n");
    if fired.is_empty() {
        h.push_str("<p>No rule reported a finding.</p>\n");
    }
    for rule in &fired {
        let m = &rule.meta;
        write!(
            h,
            "<article class=\"rule\" id=\"rule-{0}\"><h3>{0} {1} <span class=\"muted\">{2}, severity {3}</span></h3>\n<p><i>{4}</i></p>\n",
            E(&m.code),
            E(&m.name),
            m.level.as_str(),
            E(&m.security_severity),
            E(&m.summary)
        )?;
        prose(h, &m.fix);
        if !m.references.is_empty() {
            h.push_str("<p class=\"refs\">References: ");
            for (k, url) in m.references.iter().enumerate() {
                let sep = if k == 0 { "" } else { " · " };
                write!(h, "{sep}<a href=\"{0}\">{0}</a>", E(url))?;
            }
            h.push_str("</p>\n");
        }
        h.push_str("</article>\n");
    }
    h.push_str("</section>\n<section id=\"frameworks\"><h2>Framework mapping</h2>\n<p>Rules that reported findings:</p>\n");
    mapping(h, &fired)?;
    h.push_str("<details><summary>Every rule</summary>\n");
    mapping(h, &r.catalog.rules.iter().collect::<Vec<_>>())?;
    h.push_str("</details></section>\n");
    Ok(())
}

fn mapping(h: &mut String, rules: &[&crate::rule::Rule]) -> fmt::Result {
    h.push_str("<table><thead><tr><th>Rule</th>");
    for (_, name) in FRAMEWORKS {
        write!(h, "<th>{name}</th>")?;
    }
    h.push_str("</tr></thead><tbody>\n");
    for rule in rules {
        write!(
            h,
            "<tr><td>{} {}</td>",
            E(&rule.meta.code),
            E(&rule.meta.name)
        )?;
        for (key, _) in FRAMEWORKS {
            let items = rule
                .meta
                .frameworks
                .get(key)
                .map_or(String::new(), |v| v.join("; "));
            write!(h, "<td>{}</td>", E(&items))?;
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody></table>\n");
    Ok(())
}

fn scope(h: &mut String, r: &Report<'_>, roots: &str) -> fmt::Result {
    let s = r.scope;
    write!(
        h,
        "<section id=\"scope\"><h2>Scope and coverage</h2>\n<dl class=\"chain\"><dt>As of</dt><dd>{}</dd>\
         <dt>Scanned</dt><dd>{}</dd><dt>Read</dt><dd>{} files, {} accounts, {} credentials</dd>\
         <dt>Tool</dt><dd>resetgap {}, rule set <code>{}</code></dd></dl>\n",
        format_instant(s.as_of),
        E(roots),
        s.files,
        s.accounts,
        s.credentials,
        E(s.version),
        E(&s.rule_set)
    )?;
    if !s.inputs.is_empty() {
        h.push_str("<table><thead><tr><th>Input</th><th>Accounts</th></tr></thead><tbody>\n");
        for i in &s.inputs {
            writeln!(
                h,
                "<tr><td>{}</td><td>{}</td></tr>",
                E(i.source),
                i.accounts
            )?;
        }
        h.push_str("</tbody></table>\n");
    }
    if !s.collections.is_empty() {
        h.push_str("<table><thead><tr><th>Host tree</th><th>Collected</th><th>Evidence</th></tr></thead><tbody>\n");
        for c in &s.collections {
            writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
                E(&c.host),
                c.collected_at.map_or("unknown".to_string(), format_instant),
                E(&c.evidence.to_string())
            )?;
        }
        h.push_str("</tbody></table>\n");
    }
    h.push_str("<table><thead><tr><th>Rule</th><th>Coverage</th><th>Input it reads</th></tr></thead><tbody>\n");
    for c in &s.coverage {
        writeln!(
            h,
            "<tr class=\"{}\"><td>{} {}</td><td>{}</td><td>{}</td></tr>",
            if c.assessed { "ok" } else { "missing" },
            E(c.rule),
            E(rule_name(r, c.rule)),
            if c.assessed {
                "assessed"
            } else {
                "<b>not assessed</b>"
            },
            E(c.needs)
        )?;
    }
    h.push_str("</tbody></table>\n");
    if !r.diagnostics.is_empty() {
        writeln!(
            h,
            "<h3>Input problems ({})</h3><ul class=\"problems\">",
            r.diagnostics.len()
        )?;
        for d in r.diagnostics.iter().take(200) {
            writeln!(h, "<li>{}</li>", E(&d.to_string()))?;
        }
        if r.diagnostics.len() > 200 {
            writeln!(
                h,
                "<li>and {} more (see the JSON report)</li>",
                r.diagnostics.len() - 200
            )?;
        }
        h.push_str("</ul>\n");
    }
    h.push_str("</section>\n");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_neutralises_markup_and_quotes() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        assert_eq!(escape("m.okafor@web01"), "m.okafor@web01");
    }

    #[test]
    fn prose_turns_backticks_into_code_and_escapes() {
        let mut h = String::new();
        prose(&mut h, "Run `rm <x>` now.\n\nThen <b>.");
        assert_eq!(
            h,
            "<p>Run <code>rm &lt;x&gt;</code> now.</p>\n<p>Then &lt;b&gt;.</p>\n"
        );
    }

    #[test]
    fn clip_shortens_by_characters() {
        assert_eq!(clip("ééééé", 3), "éé…");
        assert_eq!(clip("abc", 3), "abc");
    }
}
