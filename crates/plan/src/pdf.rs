//! A PDF's text layer, as poppler's `pdftotext -bbox-layout` gives it (XHTML: pages of words
//! with their boxes), → text, with every task table rebuilt from the words' positions and laid
//! out as [`Table::to_text`] does.
//!
//! This module only reads that XHTML; running `pdftotext` is the caller's business (the desk).
//!
//! Rebuilding a table: on each page a header row is found by its words (the vocabulary of
//! [`role_of`], a header cell's words stacked over lines joined: "序" over "号"); the columns'
//! x-ranges come from the header cells and the gaps between the words under them; each word
//! goes to the column its centre falls in. A row starts at a number in the 序号 column; in each
//! column the lines of one cell are those spaced by one line pitch, and a cell belongs to the
//! row whose number lies beside it (a cell's text may be centred in its row or at its top). The
//! lines of a cell that wraps are joined; a line that ends well before the cell's right edge
//! ends with a line break. A header repeated on a later page is dropped and the table goes on;
//! page numbers ("— 2 —", "第 2 页") are left out. Everything else is text, a line a line.

use quick_xml::events::Event;

use crate::table::{Cell, Header, Role, Table, role_of, row_number};

/// Most words read (a bound on crafted input).
const MAX_WORDS: usize = 4_000_000;

/// Why a `pdftotext -bbox-layout` output could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PdfError {
    #[error("PDF 的文字层无法解析（{0}）")]
    Layout(String),
    #[error("PDF 中没有文字层（可能是扫描件），请提供 Word 或文本文件")]
    NoText,
    #[error("PDF 的文字过多（超过 {MAX_WORDS} 个词）")]
    TooLarge,
}

#[derive(Debug, Clone)]
struct Word {
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
    text: String,
}

impl Word {
    fn xc(&self) -> f64 {
        (self.x0 + self.x1) / 2.0
    }
}

#[derive(Debug, Default)]
struct Page {
    width: f64,
    height: f64,
    words: Vec<Word>,
}

/// The document's text: lines of text, and task tables laid out a row a line.
pub fn read_layout(xhtml: &str) -> Result<String, PdfError> {
    let pages = parse(xhtml)?;
    if pages
        .iter()
        .all(|p| p.words.iter().all(|w| w.text.trim().is_empty()))
    {
        return Err(PdfError::NoText);
    }
    let mut out = Out::default();
    for page in pages {
        read_page(page, &mut out);
    }
    Ok(out.finish())
}

fn parse(xhtml: &str) -> Result<Vec<Page>, PdfError> {
    let mut reader = quick_xml::Reader::from_str(xhtml);
    let attr = |e: &quick_xml::events::BytesStart<'_>, name: &str| -> Option<f64> {
        e.attributes().flatten().find_map(|a| {
            (a.key.local_name().into_inner() == name)
                .then(|| {
                    a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .ok()
                        .and_then(|v| v.trim().parse::<f64>().ok())
                })
                .flatten()
                .filter(|v| v.is_finite())
        })
    };
    let mut pages: Vec<Page> = Vec::new();
    let mut word: Option<Word> = None;
    let mut count = 0usize;
    loop {
        let ev = reader
            .read_event()
            .map_err(|e| PdfError::Layout(e.to_string()))?;
        match ev {
            Event::Start(e) | Event::Empty(e) => match e.local_name().into_inner() {
                "page" => pages.push(Page {
                    width: attr(&e, "width").unwrap_or(0.0),
                    height: attr(&e, "height").unwrap_or(0.0),
                    words: Vec::new(),
                }),
                "word" => {
                    count += 1;
                    if count > MAX_WORDS {
                        return Err(PdfError::TooLarge);
                    }
                    word = Some(Word {
                        x0: attr(&e, "xMin").unwrap_or(0.0),
                        y0: attr(&e, "yMin").unwrap_or(0.0),
                        x1: attr(&e, "xMax").unwrap_or(0.0),
                        y1: attr(&e, "yMax").unwrap_or(0.0),
                        text: String::new(),
                    });
                }
                _ => {}
            },
            Event::Text(t) => {
                if let Some(w) = word.as_mut() {
                    w.text.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                if let Some(w) = word.as_mut() {
                    let c = match r.resolve_char_ref() {
                        Ok(Some(c)) => Some(c),
                        _ => match &*r {
                            "lt" => Some('<'),
                            "gt" => Some('>'),
                            "amp" => Some('&'),
                            "apos" => Some('\''),
                            "quot" => Some('"'),
                            _ => None,
                        },
                    };
                    if let Some(c) = c {
                        w.text.push(c);
                    }
                }
            }
            Event::End(e) => {
                if e.local_name().into_inner() == "word"
                    && let Some(w) = word.take()
                {
                    let text = w.text.trim().to_string();
                    if !text.is_empty() {
                        if pages.is_empty() {
                            pages.push(Page::default());
                        }
                        if let Some(p) = pages.last_mut() {
                            p.words.push(Word { text, ..w });
                        }
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(pages)
}

/// What has been read so far: text lines and tables, in order.
#[derive(Default)]
struct Out {
    items: Vec<Item>,
}

enum Item {
    Line(String),
    Table {
        header: Vec<String>,
        /// Each column's right boundary on the page the table was last seen on.
        bounds: Vec<f64>,
        rows: Vec<Vec<String>>,
        /// Whether the table ran to the end of its page (it may go on on the next one).
        open: bool,
    },
}

impl Out {
    fn line(&mut self, s: String) {
        if let Some(Item::Table { open, .. }) = self.items.last_mut() {
            *open = false;
        }
        self.items.push(Item::Line(s));
    }

    fn finish(self) -> String {
        let mut out = String::new();
        for item in self.items {
            match item {
                Item::Line(l) => {
                    out.push_str(&l);
                    out.push('\n');
                }
                Item::Table { header, rows, .. } => {
                    let mut t = Table {
                        rows: vec![header.into_iter().map(Cell::new).collect()],
                    };
                    t.rows.extend(
                        rows.into_iter()
                            .map(|r| r.into_iter().map(Cell::new).collect()),
                    );
                    out.push_str(&t.to_text());
                }
            }
        }
        out
    }
}

/// Sizes measured on a page: a word box's height, the line pitch, an ideograph's width.
#[derive(Debug, Clone, Copy)]
struct Metrics {
    pitch: f64,
    em: f64,
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    Some(v[v.len() / 2])
}

fn metrics(words: &[Word]) -> Metrics {
    let height = median(words.iter().map(|w| w.y1 - w.y0).collect()).unwrap_or(12.0);
    let em = median(
        words
            .iter()
            .filter(|w| w.text.chars().all(|c| !c.is_ascii()))
            .map(|w| (w.x1 - w.x0) / w.text.chars().count().max(1) as f64)
            .collect(),
    )
    .unwrap_or(height / 2.0)
    .max(1.0);
    // The pitch: the usual distance between the tops of two lines one under the other that
    // overlap horizontally (and are closer than two word heights).
    let mut sorted: Vec<&Word> = words.iter().collect();
    sorted.sort_by(|a, b| a.y0.total_cmp(&b.y0));
    let mut gaps = Vec::new();
    for (i, a) in sorted.iter().enumerate() {
        for b in sorted[i + 1..].iter().take(40) {
            let d = b.y0 - a.y0;
            if d > 2.0 * height {
                break;
            }
            if d > em * 0.8 && b.x0 < a.x1 && a.x0 < b.x1 {
                gaps.push(d);
                break;
            }
        }
    }
    gaps.sort_by(f64::total_cmp);
    // The lower quartile: lines of one paragraph or cell, not the wider gaps between them.
    let pitch = gaps
        .get(gaps.len() / 4)
        .copied()
        .unwrap_or(em * 1.5)
        .max(1.0);
    Metrics { pitch, em }
}

/// Words grouped into lines (tops within a third of a pitch), each sorted left to right.
fn lines_of(mut words: Vec<Word>, m: Metrics) -> Vec<Vec<Word>> {
    words.sort_by(|a, b| a.y0.total_cmp(&b.y0).then(a.x0.total_cmp(&b.x0)));
    let mut lines: Vec<Vec<Word>> = Vec::new();
    for w in words {
        match lines.last_mut() {
            Some(l) if (w.y0 - l[0].y0).abs() <= m.pitch / 3.0 => l.push(w),
            _ => lines.push(vec![w]),
        }
    }
    for l in &mut lines {
        l.sort_by(|a, b| a.x0.total_cmp(&b.x0));
    }
    lines
}

/// Joins words of one line: a space between ASCII letters or digits, or across a wide gap.
fn join_words<'a>(words: impl IntoIterator<Item = &'a Word>, m: Metrics) -> String {
    let mut out = String::new();
    let mut last_x1: Option<f64> = None;
    for w in words {
        if let Some(x1) = last_x1 {
            let ascii = out
                .chars()
                .next_back()
                .is_some_and(|c| c.is_ascii_alphanumeric())
                || w.text
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphanumeric());
            if ascii || w.x0 - x1 > m.em * 0.8 {
                out.push(' ');
            }
        }
        out.push_str(&w.text);
        last_x1 = Some(w.x1);
    }
    out
}

/// A line that is a page number: "— 2 —", "- 2 -", "第 2 页", "第2页 共5页", "2/5", or a
/// bare number centred in the page's top or bottom margin.
fn is_page_number(line: &[Word], page: &Page) -> bool {
    let text: String = line.iter().flat_map(|w| w.text.chars()).collect();
    let core = text.trim_matches(|c: char| matches!(c, '—' | '-' | '–' | '－' | '─' | ' '));
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    if digits(core) && core.len() <= 4 {
        if core.len() < text.len() {
            return true; // dashes around a number
        }
        let x0 = line.iter().map(|w| w.x0).fold(f64::MAX, f64::min);
        let x1 = line.iter().map(|w| w.x1).fold(f64::MIN, f64::max);
        let y = line[0].y0;
        let centred =
            page.width <= 0.0 || ((x0 + x1) / 2.0 - page.width / 2.0).abs() < page.width * 0.1;
        let margin = page.height <= 0.0 || y < page.height * 0.08 || y > page.height * 0.88;
        return centred && margin;
    }
    if let Some(rest) = core.strip_prefix('第') {
        let n: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
        let after = rest[n.len()..].trim_start();
        if !n.is_empty() && after.starts_with('页') {
            let tail = after['页'.len_utf8()..].trim();
            return tail.is_empty()
                || (tail.starts_with('共') && tail.ends_with('页') && tail.chars().count() <= 8);
        }
    }
    if let Some((a, b)) = core.split_once('/') {
        return digits(a.trim()) && digits(b.trim()) && core.len() <= 9;
    }
    false
}

/// A word that may be part of a header cell: short, no digits.
fn header_fragment(w: &Word) -> bool {
    w.text.chars().count() <= 8
        && !w.text.chars().any(|c| c.is_ascii_digit())
        && row_number(&w.text).is_none()
}

/// Header cells: the words of `band` stacked by horizontal overlap, left to right; each with
/// its x-range and its words joined top to bottom.
fn stacks(band: &[&Word]) -> Vec<HeaderCell> {
    let mut ws: Vec<&Word> = band.to_vec();
    ws.sort_by(|a, b| a.x0.total_cmp(&b.x0));
    let mut groups: Vec<(f64, f64, Vec<&Word>)> = Vec::new();
    for w in ws {
        match groups.last_mut() {
            Some(g) if w.x0 < g.1 - 0.5 => {
                g.1 = g.1.max(w.x1);
                g.2.push(w);
            }
            _ => groups.push((w.x0, w.x1, vec![w])),
        }
    }
    groups
        .into_iter()
        .map(|(x0, x1, mut ws)| {
            ws.sort_by(|a, b| a.y0.total_cmp(&b.y0).then(a.x0.total_cmp(&b.x0)));
            (x0, x1, ws.iter().map(|w| w.text.as_str()).collect())
        })
        .collect()
}

/// The header on a page: the lines it takes (first, last) and its cells.
/// A header cell: its x-range and its words.
type HeaderCell = (f64, f64, String);

fn find_header(lines: &[Vec<Word>]) -> Option<(usize, usize, Vec<HeaderCell>)> {
    for (i, line) in lines.iter().enumerate() {
        let number = line.iter().any(|w| {
            let t = w.text.as_str();
            role_of(t) == Some(Role::Number) || t == "序" || t == "编"
        });
        if !number || !line.iter().all(header_fragment) {
            continue;
        }
        // Header lines around it: every word a fragment, within a few lines.
        let mut first = i;
        while first > 0
            && i - first < 3
            && lines[first - 1].iter().all(header_fragment)
            && !lines[first - 1].is_empty()
        {
            first -= 1;
        }
        let mut last = i;
        while last + 1 < lines.len() && last - i < 4 && lines[last + 1].iter().all(header_fragment)
        {
            last += 1;
        }
        // The widest band that reads as a header (fewer lines when a data line was taken).
        for l in (i..=last).rev() {
            for f in first..=i {
                let band: Vec<&Word> = lines[f..=l].iter().flatten().collect();
                let cells = stacks(&band);
                let words: Vec<String> = cells.iter().map(|c| c.2.clone()).collect();
                if let Some(h) = Header::of(&words)
                    && h.roles.iter().all(Option::is_some)
                {
                    return Some((f, l, cells));
                }
            }
        }
        // Unknown columns allowed as a last resort.
        let band: Vec<&Word> = lines[first..=last].iter().flatten().collect();
        let cells = stacks(&band);
        let words: Vec<String> = cells.iter().map(|c| c.2.clone()).collect();
        if Header::of(&words).is_some() {
            return Some((first, last, cells));
        }
    }
    None
}

/// Column boundaries (each column's right edge; the last is unbounded): in the gap between two
/// header cells, the widest stretch no word of the table crosses, else the gap's middle.
fn boundaries(cells: &[HeaderCell], words: &[&Word]) -> Vec<f64> {
    let mut out = Vec::with_capacity(cells.len());
    for pair in cells.windows(2) {
        let (lo, hi) = (pair[0].1, pair[1].0);
        let mut cut = (lo + hi) / 2.0;
        if hi > lo {
            let mut covered: Vec<(f64, f64)> = words
                .iter()
                .filter(|w| w.x1 > lo && w.x0 < hi)
                .map(|w| (w.x0.max(lo), w.x1.min(hi)))
                .collect();
            covered.sort_by(|a, b| a.0.total_cmp(&b.0));
            let mut best: Option<(f64, f64)> = None;
            let mut at = lo;
            let mut consider = |a: f64, b: f64| {
                if b > a && best.is_none_or(|(x, y)| b - a > y - x) {
                    best = Some((a, b));
                }
            };
            for (a, b) in covered {
                consider(at, a);
                at = at.max(b);
            }
            consider(at, hi);
            if let Some((a, b)) = best {
                cut = (a + b) / 2.0;
            }
        }
        out.push(cut);
    }
    out.push(f64::MAX);
    out
}

fn column_of(bounds: &[f64], x: f64) -> usize {
    bounds
        .iter()
        .position(|&b| x < b)
        .unwrap_or(bounds.len() - 1)
}

fn read_page(page: Page, out: &mut Out) {
    if page.words.is_empty() {
        return;
    }
    let m = metrics(&page.words);
    let all = lines_of(page.words.clone(), m);
    let lines: Vec<Vec<Word>> = all
        .into_iter()
        .filter(|l| !is_page_number(l, &page))
        .collect();
    // The header on this page, or the columns of a table going on from the page before.
    let (start, header, bounds) = match find_header(&lines) {
        Some((first, last, cells)) => {
            for l in &lines[..first] {
                out.line(join_words(l, m));
            }
            let header: Vec<String> = cells.iter().map(|c| c.2.clone()).collect();
            let below: Vec<&Word> = lines[last + 1..].iter().flatten().collect();
            let bounds = boundaries(&cells, &below);
            (last + 1, header, bounds)
        }
        None => match out.items.last() {
            Some(Item::Table {
                header,
                bounds,
                open: true,
                ..
            }) => (0, header.clone(), bounds.clone()),
            _ => {
                for l in &lines {
                    out.line(join_words(l, m));
                }
                return;
            }
        },
    };
    let ncol = header.len();
    let number_col = header
        .iter()
        .position(|h| role_of(h) == Some(Role::Number) || h == "序" || h == "编")
        .unwrap_or(0);
    let body: Vec<&Word> = lines[start..].iter().flatten().collect();
    // Row numbers, top to bottom.
    let mut numbers: Vec<(f64, &Word)> = body
        .iter()
        .filter(|w| column_of(&bounds, w.xc()) == number_col && row_number(&w.text).is_some())
        .map(|w| (w.y0, *w))
        .collect();
    numbers.sort_by(|a, b| a.0.total_cmp(&b.0));
    let tol = m.pitch * 0.4;
    // Each column's lines, then its cells (lines one pitch apart), each given to a row.
    // cells[row][col] = lines (words); row usize::MAX - 1: before the first number.
    let nrows = numbers.len();
    let mut grid: Vec<Vec<Vec<Vec<&Word>>>> = vec![vec![Vec::new(); ncol]; nrows];
    let mut before: Vec<Vec<Vec<&Word>>> = vec![Vec::new(); ncol];
    let mut table_bottom = numbers.last().map_or(f64::MIN, |n| n.0 + tol);
    let mut after: Vec<&Word> = Vec::new();
    let last_y = numbers.last().map(|n| n.0);
    for col in 0..ncol {
        let mut ws: Vec<&Word> = body
            .iter()
            .copied()
            .filter(|w| column_of(&bounds, w.xc()) == col)
            .collect();
        ws.sort_by(|a, b| a.y0.total_cmp(&b.y0).then(a.x0.total_cmp(&b.x0)));
        let mut clines: Vec<Vec<&Word>> = Vec::new();
        for w in ws {
            match clines.last_mut() {
                Some(l) if (w.y0 - l[0].y0).abs() <= m.pitch / 3.0 => l.push(w),
                _ => clines.push(vec![w]),
            }
        }
        // Cells: runs of lines at most one pitch (and a little) apart.
        let mut blocks: Vec<Vec<Vec<&Word>>> = Vec::new();
        for l in clines {
            match blocks.last_mut() {
                Some(b) if l[0].y0 - b.last().map_or(f64::MIN, |p| p[0].y0) <= m.pitch * 1.06 => {
                    b.push(l)
                }
                _ => blocks.push(vec![l]),
            }
        }
        for block in blocks {
            let top = block[0][0].y0;
            let bottom = block[block.len() - 1][0].y0;
            if let Some(ly) = last_y
                && top > ly + tol
                && (col == number_col || top > table_bottom.max(ly) + m.pitch * 1.06)
            {
                // Below the table (past the last row's cells).
                after.extend(block.into_iter().flatten());
                continue;
            }
            let inside: Vec<usize> = (0..nrows)
                .filter(|&r| numbers[r].0 >= top - tol && numbers[r].0 <= bottom + tol)
                .collect();
            if inside.len() > 1 {
                // Rows abut: each line goes to the last row that starts at or above it.
                for l in block {
                    let r = (0..nrows)
                        .rev()
                        .find(|&r| numbers[r].0 <= l[0].y0 + tol)
                        .unwrap_or(0);
                    table_bottom = table_bottom.max(l[0].y0);
                    grid[r][col].push(l);
                }
                continue;
            }
            let row = match inside.first() {
                Some(&r) => Some(r),
                None if nrows == 0 || bottom < numbers[0].0 - tol => None,
                None => {
                    // The nearest row number.
                    (0..nrows).min_by(|&a, &b| {
                        let d = |r: usize| {
                            let y = numbers[r].0;
                            if y < top { top - y } else { y - bottom }
                        };
                        d(a).total_cmp(&d(b))
                    })
                }
            };
            table_bottom = table_bottom.max(bottom);
            match row {
                Some(r) => grid[r][col].extend(block),
                None => before[col].extend(block),
            }
        }
    }
    let right_edge: Vec<f64> = (0..ncol)
        .map(|c| {
            grid.iter()
                .flat_map(|r| r[c].iter().flatten())
                .chain(before[c].iter().flatten())
                .map(|w| w.x1)
                .fold(f64::MIN, f64::max)
        })
        .collect();
    let cell_text = |c: usize, cell: &[Vec<&Word>]| -> String {
        let mut s = String::new();
        let mut prev_end: Option<f64> = None;
        for l in cell {
            let text = join_words(l.iter().copied(), m);
            if let Some(end) = prev_end {
                if end < right_edge[c] - m.em * 1.5 {
                    s.push('\n');
                } else if s
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_ascii_alphanumeric())
                    && text
                        .chars()
                        .next()
                        .is_some_and(|c| c.is_ascii_alphanumeric())
                {
                    s.push(' ');
                }
            }
            s.push_str(&text);
            prev_end = l.last().map(|w| w.x1);
        }
        s
    };
    let new_rows: Vec<Vec<String>> = grid
        .iter()
        .map(|r| (0..ncol).map(|c| cell_text(c, &r[c])).collect())
        .collect();
    let lead: Vec<String> = (0..ncol).map(|c| cell_text(c, &before[c])).collect();
    let same =
        matches!(out.items.last(), Some(Item::Table { header: h, open: true, .. }) if *h == header);
    if same {
        if let Some(Item::Table {
            rows, bounds: b, ..
        }) = out.items.last_mut()
        {
            // Text above the first row number: the last row's, going on from the page before.
            if let Some(last) = rows.last_mut() {
                for (c, t) in lead.iter().enumerate() {
                    if !t.is_empty() {
                        if !last[c].is_empty() {
                            last[c].push('\n');
                        }
                        last[c].push_str(t);
                    }
                }
            }
            rows.extend(new_rows);
            *b = bounds;
        }
    } else {
        let mut rows = Vec::new();
        if lead.iter().any(|t| !t.is_empty()) {
            rows.push(lead);
        }
        rows.extend(new_rows);
        out.items.push(Item::Table {
            header,
            bounds,
            rows,
            open: true,
        });
    }
    // Lines below the table.
    for l in lines_of(after.into_iter().cloned().collect(), m) {
        out.line(join_words(&l, m));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(x0: f64, y0: f64, text: &str) -> String {
        let x1 = x0 + 12.0 * text.chars().count() as f64;
        format!(
            r#"<word xMin="{x0}" yMin="{y0}" xMax="{x1}" yMax="{}">{text}</word>"#,
            y0 + 15.0
        )
    }

    fn page(words: &[String]) -> String {
        format!(
            r#"<html><body><doc><page width="600" height="800"><flow><block><line>{}</line></block></flow></page></doc></body></html>"#,
            words.concat()
        )
    }

    #[test]
    fn no_words_is_no_text_layer() {
        assert_eq!(
            read_layout(
                r#"<html><body><doc><page width="600" height="800"></page></doc></body></html>"#
            ),
            Err(PdfError::NoText)
        );
    }

    #[test]
    fn page_numbers_are_left_out_and_text_kept() {
        let xhtml = page(&[
            word(100.0, 100.0, "一、工作目标"),
            word(100.0, 118.0, "力争完成任务。"),
            word(290.0, 760.0, "—"),
            word(305.0, 760.0, "2"),
            word(315.0, 760.0, "—"),
        ]);
        assert_eq!(
            read_layout(&xhtml).unwrap(),
            "一、工作目标\n力争完成任务。\n"
        );
    }

    #[test]
    fn a_table_is_rebuilt_from_positions() {
        let xhtml = page(&[
            word(40.0, 100.0, "序号"),
            word(100.0, 100.0, "重点任务"),
            word(250.0, 100.0, "牵头单位"),
            word(350.0, 100.0, "完成时限"),
            word(40.0, 130.0, "1"),
            word(100.0, 130.0, "新建标准化厂"),
            word(100.0, 148.0, "房2万平方米"),
            word(250.0, 130.0, "县工信局"),
            word(350.0, 130.0, "2024年底前"),
            word(40.0, 175.0, "2"),
            word(100.0, 175.0, "建设公园"),
            word(250.0, 175.0, "县住建局"),
            word(350.0, 175.0, "2024年6月"),
        ]);
        let text = read_layout(&xhtml).unwrap();
        assert_eq!(
            text,
            "序号\t重点任务\t牵头单位\t完成时限\n1\t新建标准化厂房2万平方米\t县工信局\t2024年底前\n2\t建设公园\t县住建局\t2024年6月\n"
        );
    }
}
