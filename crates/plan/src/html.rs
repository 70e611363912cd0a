//! HTML pages saved from a government site → text, with every task table read from its
//! `<table>` (rowspan/colspan kept) and laid out as [`Table::to_text`] does.
//!
//! Page chrome is left out: scripts, styles, navigation, headers and footers (by element, and
//! by class or id words such as `nav`, `footer`, `crumb`, `share`). A `<table>` that is not a
//! task table (a layout table) is read as flowing text, a cell after another.

use crate::table::{Cell, Table};

/// Elements whose content is never part of the plan.
const SKIPPED: &[&str] = &[
    "script", "style", "noscript", "head", "nav", "header", "footer", "select", "option", "button",
    "iframe", "form", "svg", "template", "object",
];

/// Class or id words of page chrome.
const CHROME: &[&str] = &[
    "nav",
    "menu",
    "footer",
    "header",
    "crumb",
    "breadcrumb",
    "share",
    "copyright",
    "sidebar",
    "topbar",
    "banner",
];

/// Elements that end a line of text.
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "br",
    "li",
    "tr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "section",
    "article",
    "ul",
    "ol",
    "dd",
    "dt",
    "dl",
    "blockquote",
    "pre",
    "center",
    "hr",
    "title",
];

/// Longest page parsed (bytes).
const MAX_HTML_BYTES: usize = 32 * 1024 * 1024;
/// Deepest element nesting followed.
const MAX_DEPTH: usize = 256;

/// Whether text is an HTML page: it starts (after blanks and comments) with a doctype or an
/// `<html>`, `<head>` or `<body>` tag, or holds a `<table>` with rows.
pub fn looks_like_html(text: &str) -> bool {
    let head: String = text
        .chars()
        .take(4096)
        .collect::<String>()
        .to_ascii_lowercase();
    let t = head.trim_start_matches(['\u{FEFF}', ' ', '\t', '\r', '\n']);
    t.starts_with("<!doctype html")
        || t.starts_with("<html")
        || t.starts_with("<head")
        || t.starts_with("<body")
        || (t.starts_with('<') && head.contains("<table") && head.contains("<tr"))
}

/// The page's text: lines of text, and task tables laid out a row a line.
pub fn text(html: &str) -> String {
    let html = if html.len() > MAX_HTML_BYTES {
        let mut end = MAX_HTML_BYTES;
        while !html.is_char_boundary(end) {
            end -= 1;
        }
        &html[..end]
    } else {
        html
    };
    let Ok(dom) = tl::parse(html, tl::ParserOptions::default()) else {
        return String::new();
    };
    let parser = dom.parser();
    let mut out = Out::default();
    for h in dom.children() {
        walk(*h, parser, &mut out, 0);
    }
    out.end_line();
    out.lines.join("\n")
}

#[derive(Default)]
struct Out {
    lines: Vec<String>,
    line: String,
}

impl Out {
    fn push(&mut self, s: &str) {
        self.line.push_str(s);
    }
    fn end_line(&mut self) {
        let l = collapse(&std::mem::take(&mut self.line));
        if !l.is_empty() {
            self.lines.push(l);
        }
    }
}

/// Collapses runs of HTML white space to one space and trims.
fn collapse(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        if matches!(c, ' ' | '\t' | '\r' | '\n' | '\u{0C}') {
            space = true;
        } else {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        }
    }
    out
}

fn tag_name(tag: &tl::HTMLTag<'_>) -> String {
    tag.name().as_utf8_str().to_ascii_lowercase()
}

fn is_chrome(tag: &tl::HTMLTag<'_>) -> bool {
    let attrs = tag.attributes();
    let words = [attrs.id(), attrs.class()]
        .into_iter()
        .flatten()
        .map(|b| b.as_utf8_str().to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join(" ");
    words.split(|c: char| !c.is_ascii_alphanumeric()).any(|w| {
        CHROME
            .iter()
            .any(|c| w == *c || w.starts_with(c) && w.len() <= c.len() + 4)
    })
}

fn walk(h: tl::NodeHandle, parser: &tl::Parser<'_>, out: &mut Out, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    let Some(node) = h.get(parser) else {
        return;
    };
    match node {
        tl::Node::Raw(b) => out.push(&decode_entities(&b.as_utf8_str())),
        tl::Node::Comment(_) => {}
        tl::Node::Tag(tag) => {
            let name = tag_name(tag);
            if SKIPPED.contains(&name.as_str()) || is_chrome(tag) {
                return;
            }
            if name == "table" {
                // Each table is read once (its cells' text holds what nested tables hold).
                let table = read_table(tag, parser, depth);
                out.end_line();
                if table.looks_like_task_table() {
                    for l in table.to_text().lines() {
                        out.lines.push(l.to_string());
                    }
                } else {
                    // A layout table: its cells are flowing text.
                    for cell in table.rows.iter().flatten() {
                        for l in cell.text.lines() {
                            out.push(l);
                            out.end_line();
                        }
                    }
                }
                return;
            }
            let block = BLOCKS.contains(&name.as_str());
            if block {
                out.end_line();
            }
            for c in tag.children().top().iter() {
                walk(*c, parser, out, depth + 1);
            }
            if name == "td" || name == "th" {
                out.push(" ");
            }
            if block {
                out.end_line();
            }
        }
    }
}

/// A `<table>`'s rows (`tr` in `thead`/`tbody`/`tfoot` or directly), cells `td`/`th` with
/// their `rowspan`/`colspan`. Nested tables are read as the text of their cell.
fn read_table(table: &tl::HTMLTag<'_>, parser: &tl::Parser<'_>, depth: usize) -> Table {
    let mut rows = Vec::new();
    let mut stack: Vec<tl::NodeHandle> = table
        .children()
        .top()
        .as_slice()
        .iter()
        .rev()
        .copied()
        .collect();
    while let Some(h) = stack.pop() {
        let Some(tag) = h.get(parser).and_then(tl::Node::as_tag) else {
            continue;
        };
        match tag_name(tag).as_str() {
            "tr" => {
                let mut cells = Vec::new();
                for c in tag.children().top().iter() {
                    let Some(ct) = c.get(parser).and_then(tl::Node::as_tag) else {
                        continue;
                    };
                    let n = tag_name(ct);
                    if n != "td" && n != "th" {
                        continue;
                    }
                    let span = |a: &str| {
                        ct.attributes()
                            .get(a)
                            .flatten()
                            .and_then(|v| v.as_utf8_str().trim().parse::<usize>().ok())
                            .unwrap_or(1)
                    };
                    cells.push(Cell::spanning(
                        cell_text(ct, parser, depth),
                        span("rowspan"),
                        span("colspan"),
                    ));
                }
                rows.push(cells);
            }
            "table" => {}
            _ => {
                for c in tag.children().top().as_slice().iter().rev() {
                    stack.push(*c);
                }
            }
        }
    }
    Table { rows }
}

/// A cell's text, its lines (`<br>`, `<p>`, `<div>`) kept apart.
fn cell_text(cell: &tl::HTMLTag<'_>, parser: &tl::Parser<'_>, depth: usize) -> String {
    let mut out = Out::default();
    for c in cell.children().top().iter() {
        walk(*c, parser, &mut out, depth + 1);
    }
    out.end_line();
    out.lines.join("\n")
}

/// Decodes character references: the named ones pages use, and numeric ones.
pub fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let end = rest[1..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '#'))
            .map(|e| e + 1);
        let Some(end) = end.filter(|&e| e > 1 && rest[e..].starts_with(';')) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let name = &rest[1..end];
        let c = match name {
            "nbsp" | "ensp" | "emsp" | "thinsp" => Some(' '),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "ldquo" => Some('“'),
            "rdquo" => Some('”'),
            "lsquo" => Some('‘'),
            "rsquo" => Some('’'),
            "mdash" => Some('—'),
            "ndash" => Some('–'),
            "hellip" => Some('…'),
            "middot" => Some('·'),
            "times" => Some('×'),
            "le" => Some('≤'),
            "ge" => Some('≥'),
            "deg" => Some('°'),
            _ => name.strip_prefix('#').and_then(|n| {
                let v = match n.strip_prefix(['x', 'X']) {
                    Some(h) => u32::from_str_radix(h, 16).ok(),
                    None => n.parse().ok(),
                };
                v.and_then(char::from_u32)
            }),
        };
        match c {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities() {
        assert_eq!(
            decode_entities("a&nbsp;b&lt;&#20013;&#x6587;&amp;x&y"),
            "a b<中文&x&y"
        );
    }

    #[test]
    fn deeply_nested_tables_are_read_in_linear_time() {
        let html = format!(
            "<html><body>{}一、任务{}</body></html>",
            "<table><tr><td>".repeat(200),
            "</td></tr></table>".repeat(200)
        );
        assert_eq!(text(&html), "一、任务");
    }

    #[test]
    fn chrome_and_layout_tables() {
        let html = r#"<html><body><div class="nav">首页</div><table><tr><td><p>一、总体要求</p><p>正文</p></td></tr></table><script>x</script></body></html>"#;
        assert_eq!(text(html), "一、总体要求\n正文");
    }
}
