//! Task tables (任务分解表, 任务清单, 台账): one model for every source.
//!
//! A source (a Word table, a spreadsheet, an HTML `<table>`, a CSV file) is read into a
//! [`Table`] of rows of [`Cell`]s with their row and column spans. [`Table::to_text`] lays the
//! table out as text, one row a line with the spans expanded (a cell merged over three rows is
//! written in each of them) and the cells separated by tabs; a line break inside a cell is
//! written as U+2028 (LINE SEPARATOR). The reader then reads every table from text with
//! [`read_at`], whether it came from such a layout or from a copy of a table (cells split by
//! tabs, by `|`, by runs of two or more spaces, or one cell per line).
//!
//! Reading a table: the header row gives each column a [`Role`] from its words
//! (`tests/data/SCHEMA.md`, "Tables"); a header cell with no known role is reported (code
//! `unknown-column`) and its cells are not read. A row with a number in the 序号 column is a
//! task; a row without one continues the previous row; a repeated header (a table continued
//! over pages) is skipped.

use crate::model::{Diagnostic, Severity};
use crate::normalize::Line;
use crate::outline::OutlineNumber;
use crate::units;

/// The line separator that stands for a line break inside a cell in a table's text layout.
pub const CELL_BREAK: char = '\u{2028}';

/// A table as its source holds it: rows of cells, each with its spans.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    pub rows: Vec<Vec<Cell>>,
}

/// One cell: its text (line breaks as `'\n'`) and how many rows and columns it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub text: String,
    pub row_span: usize,
    pub col_span: usize,
}

impl Cell {
    pub fn new(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            row_span: 1,
            col_span: 1,
        }
    }

    pub fn spanning(text: impl Into<String>, row_span: usize, col_span: usize) -> Cell {
        Cell {
            text: text.into(),
            row_span: row_span.max(1),
            col_span: col_span.max(1),
        }
    }
}

/// Longest span honoured (a bound against crafted files).
const MAX_SPAN: usize = 1000;
/// Widest table laid out.
const MAX_COLUMNS: usize = 256;
/// Most columns before the 序号 of a table copied one cell a line ("考核项目" / "序号").
const MAX_COLUMNS_BEFORE_NUMBER: usize = 2;
/// Most lines a header word of a table copied one cell a line is split over ("责任" / "单位").
const MAX_HEADER_WORD_LINES: usize = 3;
/// Most cells of a header read one a line.
const MAX_HEADER_CELLS: usize = 40;
/// Most bytes of merged cells' text copied into the slots they cover.
const MAX_COPIED_BYTES: usize = 16 * 1024 * 1024;

impl Table {
    /// The table with every span expanded: each slot a merged cell covers holds its text.
    /// Rows are as wide as the widest row; missing slots are empty.
    pub fn grid(&self) -> Vec<Vec<String>> {
        let mut grid: Vec<Vec<Option<String>>> = Vec::with_capacity(self.rows.len());
        let mut budget: usize = MAX_COPIED_BYTES;
        for (r, row) in self.rows.iter().enumerate() {
            if grid.len() <= r {
                grid.resize_with(r + 1, Vec::new);
            }
            let mut c = 0;
            for cell in row {
                // Skip slots filled by a cell merged from a row above.
                while grid[r].get(c).is_some_and(Option::is_some) {
                    c += 1;
                }
                let rs = cell.row_span.clamp(1, MAX_SPAN);
                let cs = cell.col_span.clamp(1, MAX_SPAN);
                if c + cs > MAX_COLUMNS {
                    break;
                }
                for dr in 0..rs.min(self.rows.len() - r) {
                    // Copies of merged cells are bounded: past the budget a slot stays empty.
                    let copies = if dr == 0 { cs - 1 } else { cs };
                    budget = budget.saturating_sub(cell.text.len().saturating_mul(copies));
                    let text = if budget > 0 || (dr == 0) {
                        cell.text.as_str()
                    } else {
                        ""
                    };
                    let target = r + dr;
                    if grid.len() <= target {
                        grid.resize_with(target + 1, Vec::new);
                    }
                    let line = &mut grid[target];
                    if line.len() < c + cs {
                        line.resize(c + cs, None);
                    }
                    for (k, slot) in line[c..c + cs].iter_mut().enumerate() {
                        let t = if dr == 0 && k == 0 {
                            cell.text.as_str()
                        } else {
                            text
                        };
                        *slot = Some(t.to_string());
                    }
                }
                c += cs;
            }
        }
        let width = grid.iter().map(Vec::len).max().unwrap_or(0);
        grid.into_iter()
            .map(|row| {
                let mut row: Vec<String> = row.into_iter().map(Option::unwrap_or_default).collect();
                row.resize(width, String::new());
                row
            })
            .collect()
    }

    /// The table laid out as text: one row a line, cells separated by tabs, spans expanded,
    /// line breaks inside a cell as [`CELL_BREAK`]. Empty rows are left out; a row that is one
    /// cell merged across the whole table is written once.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for row in self.grid() {
            if row.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            // A row that is one cell merged across the table (the table's title, a section
            // heading) is written once, as the line it is.
            if row.len() > 1 && !row[0].trim().is_empty() && row.iter().all(|c| *c == row[0]) {
                out.push_str(&cell_layout(&row[0]));
                out.push('\n');
                continue;
            }
            let mut cells: Vec<String> = row.iter().map(|c| cell_layout(c)).collect();
            // A line's leading blanks are trimmed when text is read: an empty first cell is
            // written as "—" (an empty cell) so that the columns keep their places.
            if let Some(first) = cells.first_mut()
                && first.is_empty()
            {
                first.push('—');
            }
            out.push_str(&cells.join("\t"));
            out.push('\n');
        }
        out
    }

    /// Whether the table has a header row that reads as a task table (a 序号 column and at
    /// least two other known columns) within its first rows.
    pub fn looks_like_task_table(&self) -> bool {
        self.grid().iter().take(10).any(|row| {
            let cells: Vec<String> = row.iter().map(|c| c.replace('\n', "")).collect();
            Header::of(&cells).is_some()
        })
    }
}

fn cell_layout(c: &str) -> String {
    let mut s = String::with_capacity(c.len());
    for ch in c.trim().chars() {
        match ch {
            '\t' => s.push(' '),
            '\r' => {}
            '\n' => s.push(CELL_BREAK),
            _ => s.push(ch),
        }
    }
    s
}

/// What a column holds, from its header's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// 序号, 编号
    Number,
    /// 类别, 板块: groups rows, no part of a task.
    Category,
    /// 项目名称, 重点任务, 工作任务 …: the task's title (a second such column is its text).
    Task,
    /// 年度目标, 目标任务, 指标值 …: targets.
    Target,
    /// 单位 beside a target: the unit of the target's number.
    Unit,
    /// 完成时限, 时间节点.
    Deadline,
    /// 牵头单位.
    Lead,
    /// 配合单位, 参与单位, 协同单位.
    Support,
    /// A single responsibility column (责任单位): first = lead, the rest = support.
    Responsible,
    /// 分管领导, 责任领导, 联系人: people, not units.
    People,
    /// 评分部门, 考核部门, 督办单位: assessors, not units of the task.
    Assessor,
    /// 推进情况, 完成情况: reports, not targets.
    Progress,
    /// 备注.
    Remarks,
    /// A place's column in a matrix of targets set per place ("苏州市" | "张家港" | "常熟" …
    /// after 指标名称 and 单位): each cell is that place's target (`Header::mark_places`).
    Place,
}

/// The role a header cell gives its column, or `None` when its words are unknown.
pub fn role_of(header: &str) -> Option<Role> {
    let h: String = header
        .chars()
        .filter(|c| !c.is_whitespace() && *c != CELL_BREAK)
        .collect();
    let h = h.trim_matches(|c: char| matches!(c, '*' | '：' | ':' | '（' | '）'));
    let has = |ws: &[&str]| ws.iter().any(|w| h.contains(w));
    if h.is_empty() {
        return None;
    }
    let role =
        if h == "序号" || h == "编号" || h == "序" || h == "No." || h == "NO" || has(&["序号"])
        {
            Role::Number
        } else if has(&["领导", "联系人", "负责人", "责任人", "联络员", "分管"]) {
            Role::People
        } else if has(&["权重", "分值", "赋分", "数据来源"]) {
            // An assessment's weights and where its figures come from: no part of the task.
            Role::Remarks
        } else if has(&["评分", "考核部门", "考核单位", "督办", "督查单位", "考评"])
            && !h.ends_with("指标")
        {
            Role::Assessor
        } else if has(&[
            "推进情况",
            "完成情况",
            "进展",
            "进度",
            "落实情况",
            "状态",
            "工作情况",
            "累计",
            "开工率",
        ]) || (h.contains("完成率") && !h.contains("目标"))
        {
            // What has been done so far ("累计开工数", "计划投资完成率").
            Role::Progress
        } else if has(&["备注", "说明", "代码", "编码"])
            || h.ends_with("编号")
            || h.ends_with("文号")
            || h.ends_with("折子号")
        {
            // A reference number of the row elsewhere ("市折子号", "项目编号") is a remark.
            Role::Remarks
        } else if has(&["牵头", "主要责任单位", "主责单位", "主办单位"]) {
            Role::Lead
        } else if has(&["配合", "参与", "参加单位", "协同", "协办", "协助", "协作"])
        {
            Role::Support
        } else if has(&[
            "责任单位",
            "责任部门",
            "责任科室",
            "责任主体",
            "实施主体",
            "实施单位",
            "承办单位",
            "责任处室",
            "责任股室",
            "负责单位",
            "负责部门",
            "负责科室",
            "负责处室",
        ]) {
            Role::Responsible
        } else if has(&["时限", "时间", "节点", "期限"]) {
            Role::Deadline
        } else if h == "单位" || h == "计量单位" || h == "指标单位" {
            Role::Unit
        } else if has(&["类别", "板块", "类型", "领域", "分类"]) {
            Role::Category
        } else if has(&["考核指标", "考评指标", "指标名称", "指标内容"])
            || [
                "市州",
                "市（州",
                "县市区",
                "县（市、区",
                "区县",
                "地区",
                "乡镇",
                "镇街",
                "乡镇（街道",
            ]
            .contains(&h)
        {
            // The indicator, or the place, a row is about.
            Role::Task
        } else if h.starts_with("计划") {
            // "计划完成数": the number planned.
            Role::Target
        } else if has(&["目标", "指标", "任务量", "标准"]) {
            Role::Target
        } else if has(&[
            "项目", "任务", "事项", "内容", "措施", "名称", "工作", "举措", "要求", "实事",
        ]) {
            Role::Task
        } else if header_unit(header).is_some() {
            // "年度投资金额（万元）": numbers in a unit.
            Role::Target
        } else {
            return None;
        };
    Some(role)
}

/// A table's header: each column's role (`None`: unknown) and its words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub roles: Vec<Option<Role>>,
    pub words: Vec<String>,
    /// Cells split by single spaces (a web page's table flattened by a copy that turned its
    /// cell breaks into spaces): rows after a heading go on with this header only in that form.
    pub single_spaced: bool,
    /// Read from a table copied one cell a line: rows after a heading go on in that form.
    pub one_cell_a_line: bool,
    /// The words as written (`words` are in the analysis form: simplified characters): a
    /// unit a header names is reported as written ("年度投資金額（萬元）" → "萬元").
    pub texts: Vec<String>,
}

impl Header {
    /// Reads a row as a header: a 序号 column and at least two other known columns.
    pub fn of(cells: &[String]) -> Option<Header> {
        let roles: Vec<Option<Role>> = cells.iter().map(|c| role_of(c)).collect();
        let number = roles.contains(&Some(Role::Number));
        let known = roles
            .iter()
            .filter(|r| r.is_some_and(|r| r != Role::Number))
            .count();
        // A header has short cells; a data row mentioning 序号 does not qualify.
        let short = cells.iter().all(|c| c.chars().count() <= 20);
        (number && known >= 2 && short).then(|| {
            let mut h = Header {
                roles,
                words: cells.iter().map(|c| c.trim().to_string()).collect(),
                single_spaced: false,
                one_cell_a_line: false,
                texts: cells.iter().map(|c| c.trim().to_string()).collect(),
            };
            h.mark_places();
            h
        })
    }

    /// The columns of a matrix of per-place targets: after a task (indicator) column and a
    /// unit column, the run of unknown words to the header's end, when there are three or more,
    /// each a place's name (`is_place_word`) and one at least with a jurisdiction's ending.
    fn mark_places(&mut self) {
        let has = |r: Role| self.roles.contains(&Some(r));
        if !(has(Role::Task) && has(Role::Unit)) {
            return;
        }
        let run = self.roles.iter().rev().take_while(|r| r.is_none()).count();
        let at = self.roles.len() - run;
        let words = &self.words[at..];
        if is_place_run(words.iter().map(String::as_str)) {
            for r in &mut self.roles[at..] {
                *r = Some(Role::Place);
            }
        }
    }

    /// The header with its words as written (one per column), when they are given.
    pub fn written(mut self, texts: &[String]) -> Header {
        if texts.len() == self.words.len() {
            self.texts = texts.iter().map(|t| t.trim().to_string()).collect();
        }
        self
    }

    fn number_col(&self) -> usize {
        self.roles
            .iter()
            .position(|r| *r == Some(Role::Number))
            .unwrap_or(0)
    }

    fn width(&self) -> usize {
        self.roles.len()
    }

    /// A second header row under this one ("责任单位" over "牵头" | "配合") refines roles.
    fn refine(&mut self, cells: &[String]) -> bool {
        if cells.len() != self.width() {
            return false;
        }
        let roles: Vec<Option<Role>> = cells.iter().map(|c| role_of(c)).collect();
        let known = roles.iter().filter(|r| r.is_some()).count();
        if known < 2 || row_number(&cells[self.number_col()]).is_some() {
            return false;
        }
        // Every cell must be a header word (or repeat the header above it).
        if !cells
            .iter()
            .zip(&self.words)
            .all(|(c, w)| c.trim().is_empty() || c.trim() == w || role_of(c).is_some())
        {
            return false;
        }
        for (i, r) in roles.into_iter().enumerate() {
            if r.is_some() && cells[i].trim() != self.words[i] {
                self.roles[i] = r;
                self.words[i] = cells[i].trim().to_string();
                self.texts[i] = cells[i].trim().to_string();
            }
        }
        true
    }

    fn is_repeat(&self, cells: &[String]) -> bool {
        let same = cells
            .iter()
            .zip(&self.words)
            .filter(|(c, w)| c.trim() == w.as_str())
            .count();
        same >= 2 && same * 2 >= self.width().min(cells.len()) && cells.len() <= self.width()
    }

    fn unknown_columns(&self) -> Vec<String> {
        self.roles
            .iter()
            .zip(&self.words)
            .filter(|(r, w)| r.is_none() && !w.is_empty())
            .map(|(_, w)| w.clone())
            .collect()
    }
}

/// A table row's cells by role, ready to become a task.
#[derive(Debug, Default, Clone)]
pub(crate) struct Row {
    pub title: String,
    pub content: Vec<String>,
    pub lead: Vec<String>,
    pub support: Vec<String>,
    pub responsible: Vec<String>,
    pub leaders: Vec<String>,
    pub deadline: Option<String>,
    /// For an item of a row whose 序号 is merged over several numbered items: that row's
    /// number and title, as written and in the analysis form (see `sub_rows`).
    pub group: Option<(u64, String, String)>,
}

/// A table read from text.
#[derive(Debug)]
pub(crate) struct TextTable {
    pub header: Header,
    /// (序号, line, row).
    pub rows: Vec<(u64, usize, Row)>,
    /// The index of the first line after the table.
    pub end: usize,
    pub diagnostics: Vec<Diagnostic>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sep {
    Pipe,
    Tab,
    /// Runs of two or more spaces.
    Spaces,
    /// Any run of spaces, for a header whose every word names a column.
    Space,
}

/// Whether a line is an attachment's title line: "附件2", "附件 3：".
pub(crate) fn is_attachment_title(key: &str) -> bool {
    key.trim().strip_prefix("附件").is_some_and(|n| {
        let n = n.trim_end_matches(['：', ':']).trim();
        !n.is_empty() && n.len() <= 3 && n.chars().all(|c| c.is_ascii_digit())
    })
}

/// A number in a 序号 cell ("1", "12.", "3、").
pub(crate) fn row_number(cell: &str) -> Option<u64> {
    let t = cell.trim().trim_end_matches(['.', '、', '．']);
    if t.is_empty() || t.len() > 4 || !t.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    t.parse().ok().filter(|&n| n > 0)
}

/// Splits a line into cells at `|` or tabs (byte ranges), when it has at least two cells.
pub(crate) fn split_cells(key: &str) -> Option<Vec<(usize, usize)>> {
    let sep = if key.contains('|') || key.contains('｜') {
        Sep::Pipe
    } else if key.contains('\t') {
        Sep::Tab
    } else {
        return None;
    };
    let cells = split_with(key, sep);
    (cells.len() >= 2).then_some(cells)
}

fn split_with(key: &str, sep: Sep) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = key.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let cut = match sep {
            Sep::Pipe => (c == '|' || c == '｜').then_some(i + c.len_utf8()),
            Sep::Tab => (c == '\t').then_some(i + 1),
            Sep::Space if c == ' ' => {
                let mut end = i + 1;
                while let Some(&(j, ' ')) = chars.peek() {
                    end = j + 1;
                    chars.next();
                }
                Some(end)
            }
            Sep::Space => None,
            Sep::Spaces => {
                if c == ' ' && chars.peek().is_some_and(|&(_, n)| n == ' ') {
                    let mut end = i;
                    while let Some(&(j, ' ')) = chars.peek() {
                        end = j + 1;
                        chars.next();
                    }
                    Some(end)
                } else {
                    None
                }
            }
        };
        if let Some(next) = cut {
            out.push((start, i));
            start = next;
        }
    }
    out.push((start, key.len()));
    if sep == Sep::Pipe {
        // Leading and trailing pipes: "|1|任务|" → drop the empty edge cells.
        if out
            .first()
            .is_some_and(|&(a, b)| key[a..b].trim().is_empty())
        {
            out.remove(0);
        }
        if out
            .last()
            .is_some_and(|&(a, b)| key[a..b].trim().is_empty())
        {
            out.pop();
        }
    }
    out
}

fn cells_of(l: &Line, ranges: &[(usize, usize)]) -> (Vec<String>, Vec<String>) {
    let text = ranges
        .iter()
        .map(|&(a, b)| l.text[a..b].trim().replace(CELL_BREAK, "\n"))
        .collect();
    let key = ranges
        .iter()
        .map(|&(a, b)| l.key[a..b].trim().replace(CELL_BREAK, "\n"))
        .collect();
    (text, key)
}

/// Reads the table that starts at `lines[i]`, if one does: a header row, or (when `prev`, the
/// header of the last table, is given) a row of that table continued after a heading.
pub(crate) fn read_at(lines: &[Line], i: usize, prev: Option<&Header>) -> Option<TextTable> {
    let l = lines.get(i)?;
    for sep in [Sep::Pipe, Sep::Tab, Sep::Spaces, Sep::Space] {
        if sep == Sep::Pipe && !(l.key.contains('|') || l.key.contains('｜')) {
            continue;
        }
        if sep == Sep::Tab && !l.key.contains('\t') {
            continue;
        }
        if sep == Sep::Space && !l.key.trim().contains(' ') {
            continue;
        }
        let ranges = split_with(l.key.trim_end(), sep);
        if ranges.len() < 3 {
            continue;
        }
        let (texts, keys) = cells_of(l, &ranges);
        if let Some(header) = Header::of(&keys).map(|h| h.written(&texts))
            // Single spaces split a header only when every word names a column.
            && (sep != Sep::Space || header.roles.iter().all(Option::is_some))
        {
            return Some(read_delimited(lines, i + 1, header, sep, true));
        }
        if let Some(h) = prev
            && sep != Sep::Spaces
            && (sep == Sep::Space) == h.single_spaced
            && ranges.len() + 1 >= h.width()
            && keys
                .get(h.number_col().min(keys.len() - 1))
                .and_then(|c| row_number(c))
                .is_some()
        {
            return Some(read_delimited(lines, i, h.clone(), sep, false));
        }
    }
    // Rows copied one cell a line, going on under a heading after their header.
    if let Some(h) = prev
        && h.one_cell_a_line
        && row_number(&l.key).is_some()
    {
        return read_cell_rows(lines, i, h.clone(), None);
    }
    read_cell_lines(lines, i)
}

fn unknown_diagnostics(header: &Header, line: usize) -> Vec<Diagnostic> {
    header
        .unknown_columns()
        .into_iter()
        .map(|w| Diagnostic {
            severity: Severity::Warning,
            code: "unknown-column".into(),
            line: Some(line),
            task: None,
            message: format!("表格的“{w}”列无法识别，其内容未读入任务，请核对表头"),
            text: w,
        })
        .collect()
}

/// Rows of a table whose cells are split by `sep`, from `lines[start]` on.
fn read_delimited(
    lines: &[Line],
    start: usize,
    mut header: Header,
    sep: Sep,
    new_header: bool,
) -> TextTable {
    let header_line = lines.get(start.saturating_sub(1)).map_or(0, |l| l.no);
    header.single_spaced = sep == Sep::Space;
    let mut diagnostics = Vec::new();
    let width = header.width();
    let k = header.number_col();
    let mut rows: Vec<(u64, usize, Vec<String>)> = Vec::new();
    let mut i = start;
    let mut first = true;
    while let Some(l) = lines.get(i) {
        let has_sep = match sep {
            Sep::Pipe => l.key.contains('|') || l.key.contains('｜'),
            Sep::Tab => l.key.contains('\t'),
            Sep::Spaces => l.key.contains("  "),
            Sep::Space => l.key.trim().contains(' '),
        };
        let ranges = split_with(l.key.trim_end(), sep);
        if !has_sep || ranges.len() < 2 {
            // A single cell: the rest of a cell that ran over a line, when the last row is short.
            let short = rows.last().is_some_and(|r| r.2.len() < width);
            // Under a unit column printed one unit a line, a list of units is the next cell:
            // "区财政局" / "区税务局" / "区政府有关部门，各乡镇人民政府…".
            let next_cell = short
                && rows.last().is_some_and(|row| {
                    let at = row.2.len() - 1;
                    matches!(
                        header.roles.get(at),
                        Some(Some(Role::Lead | Role::Responsible))
                    ) && !row.2[at].trim().is_empty()
                        && OutlineNumber::parse(&l.key).is_none()
                        && units::split_names(&l.key).len() >= 2
                });
            if short
                && (next_cell || has_sep_free_continuation(l))
                && let Some(row) = rows.last_mut()
            {
                let text = l.text.replace(CELL_BREAK, "\n");
                if next_cell {
                    row.2.push(text);
                } else if let Some(last) = row.2.last_mut() {
                    last.push('\n');
                    last.push_str(&text);
                }
                i += 1;
                continue;
            }
            break;
        }
        let (texts, keys) = cells_of(l, &ranges);
        if let Some(cat) = category_cell(&keys)
            && row_number(cat).is_none()
        {
            // A category row (a cell merged over the whole width): it groups the rows below.
            // A numbered one (一、产业发展) is a heading: the table stops, the reader makes it a
            // section, and the rows after it go on with this header.
            if OutlineNumber::parse(cat)
                .is_some_and(|m| m.kind != crate::outline::MarkerKind::ArabicDot)
            {
                break;
            }
            first = false;
            i += 1;
            continue;
        }
        if first && new_header && header.refine(&keys) {
            first = false;
            i += 1;
            continue;
        }
        first = false;
        if header.is_repeat(&keys) {
            i += 1;
            continue;
        }
        let (texts, keys) = match sep {
            Sep::Space if texts.len() != width => {
                realign_spaced(&header, l).unwrap_or((texts, keys))
            }
            _ => (texts, keys),
        };
        let n = texts.len();
        // The 序号 cell: in its column, or further left when merged cells were left out.
        let missing = width.saturating_sub(n);
        let found = (0..=missing.min(k))
            .map(|m| (m, k - m))
            .find(|&(_, at)| keys.get(at).and_then(|c| row_number(c)).is_some());
        match found {
            Some((m, at)) if m == 0 && continues_merged(&header, rows.last(), &keys, at) => {
                // The 序号 and task cells merged over two rows of a sheet (a cell split over
                // rows): the second row adds to the first.
                if let Some(last) = rows.last_mut() {
                    for (j, t) in texts.into_iter().enumerate() {
                        if let Some(c) = last.2.get_mut(j)
                            && !is_empty_cell(&t)
                            && *c != t
                        {
                            c.push('\n');
                            c.push_str(&t);
                        }
                    }
                }
            }
            Some((m, at)) => {
                let number = row_number(&keys[at]).unwrap_or(0);
                let mut cells: Vec<String> = Vec::with_capacity(width);
                // Cells merged over rows were left out of the copy: take them from the row above.
                if m > 0 {
                    let above = rows.last().map(|r| r.2.clone()).unwrap_or_default();
                    cells.extend((0..m).map(|j| above.get(j).cloned().unwrap_or_default()));
                }
                cells.extend(texts);
                rows.push((number, l.no, cells));
            }
            None => {
                let Some(last) = rows.last_mut() else {
                    i += 1;
                    continue;
                };
                let cells = &mut last.2;
                if cells.len() < width && cells.len() + n - 1 <= width {
                    // The row ran over a line inside a cell: the first piece ends that cell.
                    let mut it = texts.into_iter();
                    if let (Some(c), Some(first_piece)) = (cells.last_mut(), it.next())
                        && !first_piece.is_empty()
                    {
                        c.push('\n');
                        c.push_str(&first_piece);
                    }
                    cells.extend(it);
                } else {
                    // A continuation row: its cells add to the row's cells column by column.
                    // Text under the 序号 (merged over both rows, so the copy shifted the row's
                    // cells left) goes on with the task cell.
                    let task_col = header.roles.iter().position(|r| *r == Some(Role::Task));
                    for (j, t) in texts.into_iter().enumerate() {
                        if is_empty_cell(&t) {
                            continue;
                        }
                        let j = match task_col {
                            Some(tc) if j == k && tc > k => tc,
                            _ => j,
                        };
                        if let Some(c) = cells.get_mut(j) {
                            if !c.is_empty() {
                                c.push('\n');
                            }
                            c.push_str(&t);
                        }
                    }
                }
            }
        }
        i += 1;
    }
    if new_header {
        diagnostics.extend(unknown_diagnostics(&header, header_line));
    }
    let rows = rows
        .into_iter()
        .map(|(n, line, cells)| (n, line, fill_row(&header, &cells)))
        .collect();
    TextTable {
        header,
        rows,
        end: i,
        diagnostics,
    }
}

/// How many words more than its columns a row split by single spaces may have.
const MAX_JOINED_WORDS: usize = 16;

/// A numbered row of a table flattened with single spaces whose count of cells is not the
/// header's, lined up with it: a run of k spaces is read as k − 1 empty cells (the copy printed
/// a space for each cell, empty ones too), and the words of a text cell split by spaces
/// ("加强水资源保 护", "严守用水 效率控制 红线") are joined back, the shortest pair of words first
/// and never into a cell that holds a sentence, so that the unit columns at the row's end
/// (牵头, 配合, 责任单位, …) keep their cells. `None` when the row does not line up.
fn realign_spaced(header: &Header, l: &Line) -> Option<(Vec<String>, Vec<String>)> {
    let width = header.width();
    let k = header.number_col();
    let tail = header
        .roles
        .iter()
        .rev()
        .take_while(|r| {
            matches!(
                r,
                Some(
                    Role::Lead
                        | Role::Support
                        | Role::Responsible
                        | Role::People
                        | Role::Assessor
                        | Role::Deadline
                        | Role::Remarks
                )
            )
        })
        .count();
    let middle = width.checked_sub(k + 1 + tail)?;
    if tail == 0 || middle == 0 {
        return None;
    }
    // Cells with a run of spaces as empty cells.
    let line = l.key.trim_end();
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    let mut start = 0;
    let mut bytes = line.char_indices().peekable();
    while let Some((i, c)) = bytes.next() {
        if c != ' ' {
            continue;
        }
        let mut run = 1;
        while bytes.next_if(|&(_, c)| c == ' ').is_some() {
            run += 1;
        }
        ranges.push((start, i));
        ranges.extend(std::iter::repeat_n((i, i), run - 1));
        start = i + run;
    }
    ranges.push((start, line.len()));
    // A row short of cells keeps its unit columns and leaves the first text columns empty
    // (merged over rows, or left blank: "1 地区生产总值增长7%以上。 发改委" under
    // 序号 名称 工作任务 牵头责任单位), when its last cells are units.
    if ranges.len() < k + 2 + tail {
        return None;
    }
    let (mut texts, mut keys) = cells_of(l, &ranges);
    if keys.get(k).and_then(|c| row_number(c)).is_none() || keys[..k].iter().any(|c| !c.is_empty())
    {
        return None;
    }
    let sentence = |c: &str| c.contains(['。', '；', '，', ';', ',']);
    let last = texts.len() - tail;
    // A row of a few words more than its columns, not a paragraph that happens to hold spaces
    // (each join looks at every pair: the bound keeps a long line's reading linear).
    if last.saturating_sub(k + 1) > middle + MAX_JOINED_WORDS {
        return None;
    }
    let mut mid: Vec<(String, String)> = texts
        .drain(k + 1..last)
        .zip(keys.drain(k + 1..last))
        .collect();
    while mid.len() > middle {
        let best = (0..mid.len() - 1)
            .filter(|&j| {
                let (a, b) = (&mid[j].1, &mid[j + 1].1);
                !a.is_empty() && !b.is_empty() && !sentence(a) && !sentence(b)
            })
            .min_by_key(|&j| mid[j].1.chars().count() + mid[j + 1].1.chars().count())?;
        let (t, key) = mid.remove(best + 1);
        mid[best].0.push_str(&t);
        mid[best].1.push_str(&key);
    }
    if mid.len() < middle {
        let units_at_end = keys[k + 1..]
            .iter()
            .zip(&header.roles[width - tail..])
            .all(|(c, r)| !is_unit_column(*r) || cell_kind(c) == CellKind::Units);
        if !units_at_end {
            return None;
        }
        let missing = middle - mid.len();
        mid.splice(
            0..0,
            std::iter::repeat_n((String::new(), String::new()), missing),
        );
    }
    // The unit columns hold names, not sentences of the task's text.
    if keys[k + 1..]
        .iter()
        .zip(&header.roles[width - tail..])
        .any(|(c, r)| matches!(r, Some(Role::Lead | Role::Responsible)) && c.contains('。'))
    {
        return None;
    }
    let (mt, mk): (Vec<String>, Vec<String>) = mid.into_iter().unzip();
    texts.splice(k + 1..k + 1, mt);
    keys.splice(k + 1..k + 1, mk);
    Some((texts, keys))
}

/// The one text of a row whose non-empty cells all hold it (a cell merged over the row).
fn category_cell(cells: &[String]) -> Option<&str> {
    let mut it = cells.iter().map(|c| c.trim()).filter(|c| !is_empty_cell(c));
    let first = it.next()?;
    (cells.len() >= 3 && it.clone().count() >= 1 && it.all(|c| c == first)).then_some(first)
}

/// A line laid out from a row whose cells all hold one text (a category row merged over the
/// whole width) as that text alone, so that a numbered one reads as a heading.
pub(crate) fn collapse_repeated(l: &Line) -> Option<Line> {
    let ranges = split_cells(&l.key)?;
    let (_, keys) = cells_of(l, &ranges);
    category_cell(&keys)?;
    let &(a, b) = ranges
        .iter()
        .find(|&&(a, b)| !is_empty_cell(&l.key[a..b]))?;
    let (a, b) = trim_range(&l.key, a, b);
    Some(Line {
        no: l.no,
        text: l.text[a..b].to_string(),
        key: l.key[a..b].to_string(),
    })
}

fn trim_range(s: &str, a: usize, b: usize) -> (usize, usize) {
    let t = &s[a..b];
    let lead = t.len() - t.trim_start().len();
    let trail = t.len() - t.trim_end().len();
    (a + lead, b - trail)
}

/// Whether a row repeats the last row's 序号 and task cells (cells merged over both rows).
fn continues_merged(
    header: &Header,
    last: Option<&(u64, usize, Vec<String>)>,
    keys: &[String],
    at: usize,
) -> bool {
    let Some((n, _, cells)) = last else {
        return false;
    };
    if row_number(&keys[at]) != Some(*n) {
        return false;
    }
    let task = header.roles.iter().position(|r| *r == Some(Role::Task));
    task.is_some_and(|t| {
        keys.get(t)
            .zip(cells.get(t))
            .is_some_and(|(a, b)| !a.is_empty() && a.replace('\n', "") == b.replace('\n', ""))
    })
}

fn has_sep_free_continuation(l: &Line) -> bool {
    OutlineNumber::parse(&l.key).is_none() && l.key.chars().count() <= 40
}

/// Joins the header cells of a one-cell-per-line table, where a header may be split over
/// lines ("责任" / "单位"). Returns the header and the index after it.
/// A header cell's characters after a year it starts with ("2022年预期目标" → "预期目标"): a
/// header names a year, a data cell has other numbers.
fn header_digits(k: &str) -> std::str::Chars<'_> {
    let digits = k.chars().take_while(char::is_ascii_digit).count();
    let rest = (digits == 4)
        .then(|| k[4..].strip_prefix('年'))
        .flatten()
        .map(|r| r.strip_prefix('度').unwrap_or(r));
    rest.unwrap_or(k).chars()
}

fn cell_line_header(lines: &[Line], i: usize) -> Option<(Header, usize)> {
    // A quick test first (this runs at every line): a line of the 序号 word within the lines
    // the first header words may take. (Every word `role_of` reads as 序号 holds 序, 编号 or
    // NO/No; the cheap test comes first.)
    let number_word = |l: &Line| {
        let k = l.key.trim();
        (k.contains('序') || k.contains("编号") || k.contains("NO") || k.contains("No"))
            && role_of(k) == Some(Role::Number)
    };
    if !lines
        .iter()
        .skip(i)
        .take((MAX_COLUMNS_BEFORE_NUMBER + 1) * MAX_HEADER_WORD_LINES)
        .any(number_word)
    {
        return None;
    }
    let mut words: Vec<String> = Vec::new();
    // The lines each word was read from.
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let mut j = i;
    while let Some(l) = lines.get(j) {
        // No header has this many columns (and the scan stays short on any input).
        if words.len() >= MAX_HEADER_CELLS {
            return None;
        }
        // The 序号 column comes first, or after a category column or two: a run of header
        // words without it is no header (and every line of prose made of column words does
        // not start a long scan).
        if words.len() == MAX_COLUMNS_BEFORE_NUMBER + 1
            && !words.iter().any(|w| role_of(w) == Some(Role::Number))
        {
            return None;
        }
        let k = l.key.trim();
        if header_word_len(k) > 12
            || row_number(k).is_some()
            || k.contains('\t')
            || OutlineNumber::parse(k).is_some()
            || (header_digits(k).any(|c| c.is_ascii_digit()) && role_of(k) != Some(Role::Progress))
        {
            break;
        }
        let next = lines.get(j + 1).map(|n| n.key.trim());
        if role_of(k).is_some() && !next.is_some_and(|n| wraps(k, n)) {
            words.push(k.to_string());
            spans.push((j, j + 1));
            j += 1;
            continue;
        }
        // A header split over lines: join with the next line(s).
        let mut joined = k.to_string();
        let mut m = j + 1;
        let mut ok = false;
        while m < lines.len() && m < j + MAX_HEADER_WORD_LINES {
            let piece = lines[m].key.trim();
            // A whole header word of its own ("责任单位") is the next column, not the rest of
            // this one ("民生实事" / "责任单位" are two columns).
            let whole_word = ((piece.chars().count() >= 4
                && role_of(piece).is_some_and(|r| r != Role::Progress))
                // "备注" and "说明" end no other word.
                || role_of(piece) == Some(Role::Remarks))
                // "责任股室" / "（单位）": a bracket goes on with the word above it.
                && !(m == j + 1 && wraps(k, piece));
            // A short word of unknown meaning before a whole header word is a column of its
            // own ("建设地点" / "建设时间", "是否达序" / "说明"), reported by lint as unknown.
            // A body's name over a column word is one word with it ("市政府" / "分管领导").
            let body = ["政府", "党委", "市委", "区委", "县委"]
                .iter()
                .any(|b| k.ends_with(b))
                && role_of(&format!("{k}{piece}")) == role_of(piece);
            if whole_word
                && !body
                && m == j + 1
                && !words.is_empty()
                && header_word_len(k) <= 12
                && !header_digits(k).any(|c| c.is_ascii_digit())
            {
                words.push(k.to_string());
                spans.push((j, j + 1));
                j += 1;
                ok = true;
                break;
            }
            // A word of four characters or more that means nothing is no first half of a
            // word the next line ends ("污染程度" / "责任人" are two columns); a report's
            // period is ("第二季度" / "完成情况").
            if (whole_word && !body)
                || piece.chars().count() > 6
                || piece.chars().any(|c| c.is_ascii_digit())
                || (!body
                    && role_of(piece).is_some_and(|r| r != Role::Progress)
                    && role_of(&joined).is_none()
                    && header_word_len(&joined) >= 4)
            {
                break;
            }
            joined.push_str(piece);
            m += 1;
            if role_of(&joined).is_some() && header_word_len(&joined) <= 12 {
                ok = true;
                break;
            }
        }
        if !ok {
            // The places of a matrix of per-place targets end the header ("苏州市" / "张家港" /
            // … / "1").
            if words.len() >= 2
                && let Some(n) = place_run_ends_header(lines, j)
            {
                for (p, l) in lines.iter().enumerate().skip(j).take(n) {
                    words.push(l.key.trim().to_string());
                    spans.push((p, p + 1));
                }
                j += n;
                continue;
            }
            // A short word of unknown meaning between header words is a column of its own
            // ("面积/长度" / "所在区域" / "黑臭级别" … / "责任人"), reported by lint as unknown: a
            // known header word follows within a few short lines.
            if words.len() >= 2 && unknown_column_word(k) && known_word_follows(lines, j + 1) {
                words.push(k.to_string());
                spans.push((j, j + 1));
                j += 1;
                continue;
            }
            break;
        }
        if m > j {
            words.push(joined);
            spans.push((j, m));
            j = m;
        }
    }
    if words.len() < 3 {
        return None;
    }
    let texts: Vec<String> = spans
        .iter()
        .map(|&(a, b)| lines[a..b].iter().map(|l| l.text.trim()).collect())
        .collect();
    Header::of(&words).map(|h| {
        (
            Header {
                one_cell_a_line: true,
                ..h.written(&texts)
            },
            j,
        )
    })
}

/// Whether a header word may name a place: two to five ideographs ("常熟", "苏州市", "高新区").
fn is_place_word(w: &str) -> bool {
    let w = w.trim();
    (2..=5).contains(&w.chars().count())
        && w.chars().all(crate::normalize::is_ideograph)
        && role_of(w).is_none()
}

/// Whether header words are a run of places (`Header::mark_places`).
fn is_place_run<'a>(words: impl Iterator<Item = &'a str>) -> bool {
    let mut n = 0;
    let mut suffixed = false;
    for w in words {
        if !is_place_word(w) {
            return false;
        }
        n += 1;
        suffixed |= w
            .trim()
            .ends_with(['市', '区', '县', '旗', '州', '镇', '乡']);
    }
    n >= 3 && suffixed
}

/// The number of lines from `at` that are a run of places ending the header: place words up
/// to the first row's number (`Header::mark_places` then marks their columns).
fn place_run_ends_header(lines: &[Line], at: usize) -> Option<usize> {
    let run: Vec<&str> = lines
        .iter()
        .skip(at)
        .take(MAX_HEADER_CELLS)
        .map(|l| l.key.trim())
        .take_while(|k| is_place_word(k))
        .collect();
    let n = run.len();
    (lines
        .get(at + n)
        .is_some_and(|l| row_number(&l.key).is_some())
        && is_place_run(run.into_iter()))
    .then_some(n)
}

/// Lines a run of unknown header words may take before a known one.
const MAX_UNKNOWN_HEADER_RUN: usize = 4;

/// Whether a line may be a header word nobody named: short, no digits, no sentence marks.
fn unknown_column_word(k: &str) -> bool {
    (2..=6).contains(&k.chars().count())
        && !k
            .chars()
            .any(|c| c.is_ascii_digit() || matches!(c, '，' | '。' | '；' | '：' | '、'))
}

/// Whether a known header word comes within `MAX_UNKNOWN_HEADER_RUN` lines from `at`, after
/// lines that could be header words themselves.
fn known_word_follows(lines: &[Line], at: usize) -> bool {
    for l in lines.iter().skip(at).take(MAX_UNKNOWN_HEADER_RUN) {
        let k = l.key.trim();
        if role_of(k).is_some_and(|r| r != Role::Number) && header_word_len(k) <= 12 {
            return true;
        }
        if !unknown_column_word(k) || row_number(k).is_some() {
            return false;
        }
    }
    false
}

/// A row's cells after its number, one a line, with a unit's name that a narrow cell wrapped
/// over two lines joined ("區新興產業" / "服務中心"): a line that starts with a jurisdiction's
/// word and is no unit, before a line that is a unit's name without one, whose join is a
/// unit's name.
fn join_unit_names_over_lines(tokens: &[(usize, String, String)]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        let (_, text, key) = &tokens[i];
        if let Some((_, next_text, next_key)) = tokens.get(i + 1) {
            let jurisdiction = ['区', '县', '市', '省', '镇', '乡'];
            let head = key.trim();
            let tail = next_key.trim();
            if head.starts_with(jurisdiction)
                && (3..=8).contains(&head.chars().count())
                && !head.contains(['，', '。', '、', '；', '：', ' '])
                && !units::looks_like_unit(head)
                && tail.chars().count() <= 6
                && !tail.starts_with(jurisdiction)
                && units::looks_like_unit(tail)
                && units::looks_like_unit(&format!("{head}{tail}"))
            {
                out.push(format!("{}{}", text.trim(), next_text.trim()));
                i += 2;
                continue;
            }
        }
        out.push(text.clone());
        i += 1;
    }
    out
}

/// A header word's length, a gloss in brackets aside ("重点工作任务（民生实事项目）" is 6): at
/// most 12 in a header, and the gloss at most 12 more.
fn header_word_len(w: &str) -> usize {
    let n = w.chars().count();
    match w.strip_suffix('）').and_then(|s| s.rsplit_once('（')) {
        Some((stem, gloss)) if gloss.chars().count() <= 12 => stem.chars().count(),
        _ => n,
    }
}

/// Whether a header word `head` was wrapped before `tail` ("配合" / "单位", "年度目标" / "任务").
fn wraps(head: &str, tail: &str) -> bool {
    const HEADS: &[&str] = &[
        "牵头",
        "配合",
        "责任",
        "参与",
        "协同",
        "主要",
        "重点",
        "年度",
        "年度目标",
        "目标",
        "项目",
        "工作",
        "具体",
        "完成",
        "时间",
        "分管",
        "主要责任",
    ];
    const TAILS: &[&str] = &[
        "单位", "部门", "科室", "任务", "时限", "节点", "名称", "内容", "领导", "目标", "主体",
    ];
    (HEADS.contains(&head) && TAILS.contains(&tail))
        // "责任股室" / "（单位）": a gloss in brackets on the word above.
        || (tail.starts_with('（') && tail.ends_with('）') && tail.chars().count() <= 8)
        // "攻坚目标" / "任务": a target column's name goes on over the line.
        || (head.ends_with("目标") && tail == "任务")
        // "推进" / "情况": "情况" is no column of its own.
        || (tail == "情况" && role_of(&format!("{head}{tail}")) == Some(Role::Progress))
}

fn looks_like_date_cell(s: &str) -> bool {
    // A number of a year, a month or a day ("2024年", "12月底前", "2024.12"), not just a
    // number beside 年 ("全年开展100场").
    let mut digits = 0;
    let mut dated = false;
    for c in s.chars().filter(|c| !c.is_whitespace()) {
        if c.is_ascii_digit() {
            digits += 1;
        } else {
            dated |= digits > 0 && matches!(c, '年' | '月' | '日')
                || digits == 4 && matches!(c, '.' | '-' | '/');
            digits = 0;
        }
    }
    dated && s.chars().count() <= 30
        || matches!(s.trim(), "长期坚持" | "持续推进" | "常态化" | "长期")
}

/// A table copied one cell per line: a header (cells on lines of their own, possibly split
/// over lines), then rows that start at their 序号 (1, 2, 3 … in turn).
fn read_cell_lines(lines: &[Line], i: usize) -> Option<TextTable> {
    let (header, after) = cell_line_header(lines, i)?;
    read_cell_rows(lines, after, header, Some(i))
}

/// The rows of a table copied one cell a line, from `lines[after]` on, under `header`, which
/// stands at `lines[header_at]` (`None`: the rows go on under a heading after the header of a
/// table above). A header followed at once by a numbered heading ("一、主要预期目标") whose
/// rows follow it is a table with no rows of its own: the reader makes the heading a section,
/// and the rows after it go on under this header.
fn read_cell_rows(
    lines: &[Line],
    after: usize,
    header: Header,
    header_at: Option<usize>,
) -> Option<TextTable> {
    let diagnostics =
        header_at.map_or_else(Vec::new, |i| unknown_diagnostics(&header, lines[i].no));
    if header_at.is_some()
        && let Some(heading) = heading_then_rows(lines, after)
    {
        return Some(TextTable {
            diagnostics,
            header,
            rows: Vec::new(),
            end: heading,
        });
    }
    let width = header.width();
    let k = header.number_col();
    // Data tokens until the table ends (a numbered heading, or a long prose line after the
    // last row's cells).
    let mut tokens: Vec<(usize, String, String)> = Vec::new();
    let mut j = after;
    let mut expected = None::<u64>;
    let mut sub_next = None::<u64>;
    let mut starts: Vec<usize> = Vec::new();
    while let Some(l) = lines.get(j) {
        let key = l.key.trim();
        // A repeated header (the table continued over a page).
        if role_of(key) == Some(Role::Number)
            && let Some((h, next)) = cell_line_header(lines, j)
            && h.words == header.words
        {
            j = next;
            continue;
        }
        // The next attachment ("附件2") ends the table.
        if is_attachment_title(key) {
            break;
        }
        let n = row_number(key);
        let is_start = match (n, expected) {
            // The first row: 1 (or 2 under a row left out), or any number right under the
            // header (a page of a long table that repeats its header).
            (Some(n), None) => n <= 2 || (k == 0 && tokens.is_empty()),
            // A number cell of the row above may be the next row's number ("| 5" a weight
            // of row 4 before "| 5" of row 5): while the row is short of cells and the same
            // number comes again within a row's width, this one is a cell.
            (Some(n), Some(e)) => {
                n == e && {
                    let row_cells = tokens.len() - starts.last().copied().unwrap_or(0);
                    let width_after = width - k;
                    !(row_cells < width_after
                        && lines
                            .iter()
                            .skip(j + 1)
                            .take(width_after)
                            .any(|l| row_number(l.key.trim()) == Some(n)))
                }
            }
            _ => false,
        };
        if is_start {
            starts.push(tokens.len());
            expected = n.map(|n| n + 1);
        } else if expected.is_none() {
            // Before the first row: only the leading cells of the first row may stand here.
            if tokens.len() >= k {
                return None;
            }
        } else if let Some(m) = OutlineNumber::parse(key)
            && m.kind != crate::outline::MarkerKind::ArabicDot
        {
            // Items numbered on in a column ("（1）…", "（2）…" under a merged 序号, numbered
            // on over the rows) go on with the table; a numbered heading (一、 （二）) ends it;
            // numbered steps in a cell do not.
            let item = m.kind == crate::outline::MarkerKind::ArabicParen
                && k == 0
                && sub_next.map_or(m.ordinal == 1, |s| s == m.ordinal);
            if !item {
                break;
            }
            sub_next = Some(m.ordinal + 1);
        }
        tokens.push((l.no, l.text.clone(), key.to_string()));
        j += 1;
    }
    if starts.is_empty() {
        return None;
    }
    // Split the tokens into rows: the cells before each 序号 (leading columns) and after it.
    let mut rows: Vec<(u64, usize, Vec<String>)> = Vec::new();
    let mut groups: Vec<Option<(u64, String, String)>> = Vec::new();
    // Whether a row above was read as items (`sub_rows`): a row below may then name no units.
    let mut items_seen = false;
    let mut lead_cells: Vec<String> = tokens[..starts[0]].iter().map(|t| t.1.clone()).collect();
    let mut end_line = j;
    for (si, &s) in starts.iter().enumerate() {
        let next = starts.get(si + 1).copied().unwrap_or(tokens.len());
        let number = row_number(&tokens[s].2).unwrap_or(0);
        let line = tokens[s].0;
        if k == 0
            && let Some((title, items)) = sub_rows(&header, &tokens[s + 1..next], items_seen)
        {
            items_seen = true;
            for (ordinal, item_line, cells) in items {
                rows.push((ordinal, item_line, cells));
                groups.push(Some((number, title.0.clone(), title.1.clone())));
            }
            continue;
        }
        let mut after = join_unit_names_over_lines(&tokens[s + 1..next]);
        let after_cols = width - k - 1;
        // Leading cells of the next row stand after this row's last cell.
        let mut next_lead = Vec::new();
        let deadline_last = header.roles.last() == Some(&Some(Role::Deadline));
        if deadline_last {
            if let Some(d) = after.iter().rposition(|t| looks_like_date_cell(t)) {
                next_lead = after.split_off(d + 1);
            }
        } else if after.len() > after_cols && k > 0 && si + 1 < starts.len() {
            let extra = (after.len() - after_cols).min(k);
            // Only cells that could stand in the leading columns: a unit is the last
            // column's, printed one a line.
            let fits = after[after.len() - extra..]
                .iter()
                .zip(&header.roles[k - extra..k])
                .all(|(c, r)| fit(cell_kind(c), *r) > 0);
            if fits {
                next_lead = after.split_off(after.len() - extra);
            }
        }
        if si + 1 == starts.len() && !next_lead.is_empty() {
            // After the last row: not part of the table.
            let back = next_lead.len();
            end_line = j - back.min(j);
            next_lead.clear();
        }
        let mut cells: Vec<String> = Vec::with_capacity(width);
        // Leading cells: those given, else the row above's (merged over rows).
        if lead_cells.len() >= k {
            cells.extend(lead_cells.iter().take(k).cloned());
        } else {
            let above = rows.last().map(|r| r.2.clone()).unwrap_or_default();
            let missing = k - lead_cells.len();
            cells.extend((0..missing).map(|m| above.get(m).cloned().unwrap_or_default()));
            cells.extend(lead_cells.iter().cloned());
        }
        cells.push(tokens[s].1.clone());
        // A row whose cells are not as many as its columns, or fit them far worse than they
        // would fit lined up otherwise: lined up by what they hold.
        if let Some(mut aligned) = align_cells(&header.roles[k + 1..], &after) {
            // Which place a cell is of is not guessed: a row of a per-place matrix whose cells
            // are not as many as its columns gives no place's target.
            if after.len() != after_cols {
                for (c, r) in aligned.iter_mut().zip(&header.roles[k + 1..]) {
                    if *r == Some(Role::Place) {
                        c.clear();
                    }
                }
            }
            cells.extend(aligned);
            rows.push((number, line, cells));
            groups.push(None);
            lead_cells = next_lead;
            continue;
        }
        // Numbered steps printed one a line in a text cell ("（1）6月底前完成摸底。") belong to
        // the cell they follow (a step that names a date fits no run of text cells above).
        let mut j = 1;
        while after.len() > after_cols && j < after.len() {
            if OutlineNumber::parse(after[j].trim()).is_some()
                && !units::looks_like_unit(after[j - 1].trim())
            {
                let step = after.remove(j);
                after[j - 1].push('\n');
                after[j - 1].push_str(&step);
            } else {
                j += 1;
            }
        }
        // The cells after the 序号: one a line; extra lines belong to the cell before the
        // deadline (a unit column printed one unit per line), or to the last cell.
        if after.len() > after_cols && after_cols > 0 {
            let extra = after.len() - after_cols;
            let target = if deadline_last {
                after_cols.saturating_sub(2)
            } else {
                after_cols - 1
            };
            let mut merged: Vec<String> = after[..target].to_vec();
            merged.push(after[target..=target + extra].join("\n"));
            merged.extend(after[target + extra + 1..].iter().cloned());
            after = merged;
        }
        realign_by_person(&header.roles[k + 1..], &mut after);
        if deadline_last
            && after.len() < after_cols
            && after.last().is_some_and(|t| looks_like_date_cell(t))
        {
            // Empty cells were left out: the date goes to the deadline column.
            let d = after.pop().unwrap_or_default();
            after.resize(after_cols - 1, String::new());
            after.push(d);
        }
        cells.extend(after);
        rows.push((number, line, cells));
        groups.push(None);
        lead_cells = next_lead;
    }
    carry_merged_cells(&header.roles, &mut rows, &groups);
    let rows = rows
        .into_iter()
        .zip(groups)
        .map(|((n, line, cells), group)| {
            let mut row = fill_row(&header, &cells);
            row.group = group;
            (n, line, row)
        })
        .collect();
    Some(TextTable {
        header,
        rows,
        end: end_line,
        diagnostics,
    })
}

/// A table copied one cell a line prints a merged cell in the first row it covers only: a row
/// with no cell at all (not even "/") under a unit, people or deadline column takes the cell of
/// the row above (SCHEMA: "A cell merged over several rows applies to each of them"). A support
/// column goes down only with the lead beside it: a row that prints its lead and no support has
/// none. Items of rows whose 序号 is merged over them (`sub_rows`) share cells within their
/// row only.
fn carry_merged_cells(
    roles: &[Option<Role>],
    rows: &mut [(u64, usize, Vec<String>)],
    groups: &[Option<(u64, String, String)>],
) {
    let lead_cols: Vec<usize> = (0..roles.len())
        .filter(|&i| matches!(roles[i], Some(Role::Lead | Role::Responsible)))
        .collect();
    for r in 1..rows.len() {
        let group = |r: usize| groups.get(r).and_then(|g| g.as_ref().map(|g| g.0));
        if group(r) != group(r - 1) {
            continue;
        }
        let (above, below) = rows.split_at_mut(r);
        let (prev, cur) = (&above[r - 1].2, &mut below[0].2);
        let absent =
            |cells: &Vec<String>, i: usize| cells.get(i).is_none_or(|c| c.trim().is_empty());
        let lead_absent = !lead_cols.is_empty() && lead_cols.iter().all(|&i| absent(cur, i));
        for (i, role) in roles.iter().enumerate() {
            let carry = match role {
                Some(Role::Lead | Role::Responsible | Role::People | Role::Deadline) => true,
                Some(Role::Support) => lead_absent,
                _ => false,
            };
            if carry && absent(cur, i) && !absent(prev, i) {
                if cur.len() <= i {
                    cur.resize(i + 1, String::new());
                }
                cur[i] = prev[i].clone();
            }
        }
    }
}

/// A numbered heading (not "1.") at `lines[at]`, or after a line or two of an unnumbered
/// category row ("强化科技创新支撑能力。" / "（一）" / "加强战略科技力量建设。"), with a table's
/// first row (序号 1 or 2) within the few lines after it: the heading's index.
fn heading_then_rows(lines: &[Line], at: usize) -> Option<usize> {
    let heading = (at..at + 3).take_while(|&j| j < lines.len()).find(|&j| {
        OutlineNumber::parse(lines[j].key.trim())
            .is_some_and(|m| m.kind != crate::outline::MarkerKind::ArabicDot)
    })?;
    let before_ok = lines[at..heading]
        .iter()
        .all(|l| row_number(&l.key).is_none() && l.key.chars().count() <= 40);
    let rows_follow = lines
        .iter()
        .skip(heading + 1)
        .take(3)
        .any(|l| row_number(&l.key).is_some());
    (before_ok && rows_follow).then_some(heading)
}

/// Most cells of a row lined up by `align_cells` (beyond, the row is read as it stands).
const MAX_ALIGNED_CELLS: usize = 48;
/// How much better a row as many cells as its columns must fit lined up to be lined up.
const MIN_REALIGN_GAIN: i32 = 6;

/// What a cell of a table copied one cell a line holds, judged by its words alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CellKind {
    Units,
    People,
    /// A unit of measure ("万亩", "%", "万元/人").
    Measure,
    /// A number, maybe with a sign or a comparator ("0.07", "≥2%", "42").
    Number,
    Date,
    Text,
}

fn cell_kind(cell: &str) -> CellKind {
    let c = cell.trim();
    let numeric = c
        .trim_start_matches(['≥', '≤', '>', '<', '＞', '＜', '约'])
        .trim_end_matches(['%', '‰'])
        .parse::<f64>()
        .is_ok();
    if numeric {
        CellKind::Number
    } else if crate::targets::is_unit(c) || c.contains('/') && c.chars().count() <= 6 {
        CellKind::Measure
    } else if looks_like_date_cell(c) {
        CellKind::Date
    } else if units::is_unit_list(&units::split_names(c)) {
        CellKind::Units
    } else if names_people(c) {
        CellKind::People
    } else {
        CellKind::Text
    }
}

/// Whether a column holds units: the task's own, or its assessors.
fn is_unit_column(role: Option<Role>) -> bool {
    matches!(
        role,
        Some(Role::Lead | Role::Support | Role::Responsible | Role::Assessor)
    )
}

/// How well a cell of `kind` fits a column of `role` (higher is better).
fn fit(kind: CellKind, role: Option<Role>) -> i32 {
    use CellKind as K;
    let unit_col = is_unit_column(role);
    let text_col = matches!(
        role,
        Some(
            Role::Task
                | Role::Target
                | Role::Progress
                | Role::Remarks
                | Role::Category
                | Role::Place
        ) | None
    );
    match kind {
        // An assessor column holds one unit more often than a list: of equal fits, the lines
        // of units go to the task's own unit column.
        K::Units if role == Some(Role::Assessor) => 2,
        K::Units if unit_col => 3,
        K::Units if role == Some(Role::People) => -2,
        K::Units => -1,
        K::People if role == Some(Role::People) => 3,
        K::People if unit_col || text_col => -1,
        K::Measure if role == Some(Role::Unit) => 3,
        K::Measure if role == Some(Role::Target) => 0,
        K::Number if matches!(role, Some(Role::Target | Role::Place)) => 3,
        K::Number if text_col => 0,
        K::Date if role == Some(Role::Deadline) => 3,
        K::Date if text_col => 0,
        // Of text columns, the task's is the one a row never leaves empty.
        K::Text if role == Some(Role::Task) => 2,
        // A 备注 column is most often empty.
        K::Text if role == Some(Role::Remarks) => 0,
        K::Text if text_col => 1,
        K::Text if role == Some(Role::Deadline) => -1,
        _ => -3,
    }
}

/// Lines up the cells of a row copied one cell a line whose count is not its header's: a
/// merged cell is printed only in the first row it covers, an empty one not at all, and a unit
/// column may print one unit a line. Each column takes a run of the cells in order (maybe none)
/// so that the cells fit their columns best (`fit`): units under unit columns, people under a
/// people column, "万亩" under 单位, numbers under targets, dates under 完成时限. Of equal
/// fits, the earlier columns are the ones left empty (merged over the rows above). More than
/// one cell goes in a column only as the lines of one cell: units under a unit column, or text.
/// `None` when no run fits: the row is read as it stands.
fn align_cells(roles: &[Option<Role>], cells: &[String]) -> Option<Vec<String>> {
    let (n, m) = (cells.len(), roles.len());
    if n == 0 || m == 0 || n > MAX_ALIGNED_CELLS {
        return None;
    }
    let kinds: Vec<CellKind> = cells.iter().map(|c| cell_kind(c)).collect();
    // best[j][i]: the best score of columns j.. taking cells i..; choice: how many cells.
    const NONE: i32 = i32::MIN / 2;
    let mut best = vec![vec![NONE; n + 1]; m + 1];
    let mut take = vec![vec![0usize; n + 1]; m + 1];
    best[m][n] = 0;
    for j in (0..m).rev() {
        let multi_ok = |k: CellKind| match k {
            CellKind::Units => is_unit_column(roles[j]),
            CellKind::Text => true,
            _ => false,
        };
        for i in (0..=n).rev() {
            // Leave column j empty (a small cost, so that a fit is preferred to a gap).
            let mut b = best[j + 1][i].saturating_sub(2);
            let mut t = 0;
            let mut run = 0;
            for e in i..n {
                let k = kinds[e];
                if e > i && (!multi_ok(k) || kinds[i] != k) {
                    break;
                }
                // (Fits count double: a further line of text in a cell counts half, so that
                // two texts fill two text columns before they make one cell: "文化产业" /
                // "培育…" are a category and a task.)
                let f = fit(k, roles[j]);
                run += if e > i && k == CellKind::Text && f > 0 {
                    1
                } else {
                    2 * f
                };
                let score = best[j + 1][e + 1].saturating_add(run);
                // ">" keeps the earlier choice on a tie; columns are scanned from the right,
                // so the empty ones fall to the left.
                if score > b {
                    b = score;
                    t = e + 1 - i;
                }
            }
            best[j][i] = b;
            take[j][i] = t;
        }
    }
    if best[0][0] <= NONE / 2 {
        return None;
    }
    // As many cells as columns, one each: kept unless they fit far worse than lined up (a cell
    // that does not look like what its column holds may still be one: "吴江海关").
    if n == m {
        let straight: i32 = kinds.iter().zip(roles).map(|(k, r)| 2 * fit(*k, *r)).sum();
        if best[0][0] < straight + 2 * MIN_REALIGN_GAIN {
            return None;
        }
    }
    let mut out = Vec::with_capacity(m);
    let mut i = 0;
    for row in take.iter().take(m) {
        let t = row[i];
        out.push(cells[i..i + t].join("\n"));
        i += t;
    }
    (i == n).then_some(out)
}

/// An item read as a row: its number, line and cells.
type ItemRow = (u64, usize, Vec<String>);

/// The items of a row whose 序号 cell is merged over several items numbered in a column of
/// their own, as a copy one cell a line gives them ("1" / "主要预期目标" / "（1）地区生产总值增长
/// 6%左右。" / "王某" / "发改局" / "经开区" / "统计局" / "（2）一般公共预算收入增长3%以上。" /
/// "财政局" / …): each item is a row of its own, its text in the task column. After an item come
/// the cells it does not share with the item above: people's names, then units (the first leads,
/// the rest support; under a single responsibility column, all of them), a line in brackets
/// going with the unit before it ("高新园" / "（邹区镇）"), and a date. A cell it leaves out is
/// merged over it and the item above, so it is the item above's; a single unit under separate
/// lead and support columns is the item's lead. `tokens` are the row's cells after its 序号
/// (line, display, key). Returns the row's title (the cells before its first item) and the
/// items as (number, line, cells), or `None` when the row is not of this shape: numbered steps
/// inside one cell have no units of their own after the first (unless a row above, `seen`, was
/// of this shape).
fn sub_rows(
    header: &Header,
    tokens: &[(usize, String, String)],
    seen: bool,
) -> Option<((String, String), Vec<ItemRow>)> {
    use crate::outline::MarkerKind;
    // Items are numbered "（1）" or "1." (numbered on over the rows: "12." under the next 序号).
    let kind_at = |t: &(usize, String, String)| {
        OutlineNumber::parse(t.2.trim())
            .map(|m| m.kind)
            .filter(|k| matches!(k, MarkerKind::ArabicParen | MarkerKind::ArabicDot))
    };
    let first = tokens.iter().position(|t| kind_at(t).is_some())?;
    let kind = kind_at(&tokens[first]);
    let item_at = |t: &(usize, String, String)| {
        OutlineNumber::parse(t.2.trim()).filter(|m| Some(m.kind) == kind)
    };
    let col = |role: Role| header.roles.iter().position(|r| *r == Some(role));
    let text_col = col(Role::Task).or(col(Role::Target))?;
    let (lead, support, responsible) =
        (col(Role::Lead), col(Role::Support), col(Role::Responsible));
    let (people, deadline) = (col(Role::People), col(Role::Deadline));
    if lead.is_none() && responsible.is_none() {
        return None;
    }
    let joined = |f: fn(&(usize, String, String)) -> &str| {
        join_lines(
            &tokens[..first]
                .iter()
                .map(|t| f(t).trim())
                .collect::<Vec<_>>()
                .join("\n"),
        )
    };
    let title = (joined(|t| &t.1), joined(|t| &t.2));
    let mut items: Vec<ItemRow> = Vec::new();
    let mut above: Vec<String> = vec![String::new(); header.width()];
    let mut i = first;
    while i < tokens.len() {
        let m = item_at(&tokens[i])?;
        let end = tokens[i + 1..]
            .iter()
            .position(|t| item_at(t).is_some())
            .map_or(tokens.len(), |p| i + 1 + p);
        let mut text = tokens[i].1.trim()[m.len..].trim().to_string();
        let (mut names, mut units, mut dates) = (Vec::new(), Vec::<String>::new(), Vec::new());
        for t in &tokens[i + 1..end] {
            let (d, k) = (t.1.trim(), t.2.trim());
            let bracket = k.starts_with('（') && k.ends_with('）');
            match cell_kind(k) {
                _ if bracket && !units.is_empty() => {
                    if let Some(last) = units.last_mut() {
                        last.push_str(d);
                    }
                }
                CellKind::Date => dates.push(d.to_string()),
                CellKind::Units => units.push(d.to_string()),
                _ if !units.is_empty() => units.push(d.to_string()),
                CellKind::People => names.push(d.to_string()),
                _ if names.is_empty() => text.push_str(d),
                _ => {}
            }
        }
        if !seen && items.is_empty() && units.is_empty() && names.is_empty() {
            return None;
        }
        let mut cells = vec![String::new(); header.width()];
        cells[text_col] = text;
        let mut set = |c: Option<usize>, v: Vec<String>| {
            if let Some(c) = c {
                cells[c] = if v.is_empty() {
                    above[c].clone()
                } else {
                    v.join("\n")
                };
            }
        };
        set(people, names);
        set(deadline, dates);
        match (lead, support) {
            (Some(_), Some(_)) if units.len() == 1 => {
                set(lead, units);
                set(support, Vec::new());
            }
            (Some(_), Some(_)) if !units.is_empty() => {
                let rest = units.split_off(1);
                set(lead, units);
                set(support, rest);
            }
            (Some(_), _) => {
                set(lead, units);
                set(support, Vec::new());
            }
            (None, _) => set(responsible, units),
        }
        above.clone_from(&cells);
        items.push((m.ordinal, tokens[i].0, cells));
        i = end;
    }
    Some((title, items))
}

/// A row one or more cells short because a cell was merged over two columns (主要任务 over
/// 全年目标任务), put back under its header: the first cell that names a person, followed by
/// a cell of units, belongs to the people column before a unit column. `roles` and `cells`
/// are the columns and cells after the 序号.
fn realign_by_person(roles: &[Option<Role>], cells: &mut Vec<String>) {
    let Some(p) = roles.iter().position(|r| *r == Some(Role::People)) else {
        return;
    };
    // (Empty cells at the row's end count for nothing: a copy may close a row with one.)
    let filled = cells.len() - cells.iter().rev().take_while(|c| is_empty_cell(c)).count();
    if filled >= roles.len()
        || !matches!(roles.get(p + 1), Some(Some(Role::Lead | Role::Responsible)))
    {
        return;
    }
    let Some(q) = cells.iter().position(|c| names_people(c)) else {
        return;
    };
    let units = |c: &str| {
        let names = units::split_names(c);
        !names.is_empty() && names.iter().all(|n| units::looks_like_unit(n))
    };
    if q < p && filled + (p - q) <= roles.len() && cells.get(q + 1).is_some_and(|c| units(c)) {
        cells.truncate(filled);
        cells.splice(q..q, std::iter::repeat_n(String::new(), p - q));
    }
}

/// Whether a cell holds only people's names ("徐国江", "王 某", "张明、李华"): two to four
/// ideographs each, none of them a unit.
fn names_people(cell: &str) -> bool {
    let mut parts = cell
        .split(['、', '，', '\n'])
        .map(|p| p.chars().filter(|c| !c.is_whitespace()).collect::<String>())
        .peekable();
    parts.peek().is_some()
        && parts.all(|p| {
            p.chars().all(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c))
                && is_name(&p)
                && !units::looks_like_unit(&p)
                && !["完成", "已完成", "正常", "滞后", "推进中", "序时", "达序"]
                    .iter()
                    .any(|w| p.contains(w))
        })
}

/// The most common Chinese surnames (a person's name in a table starts with one of them).
const SURNAMES: &str = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘\
    于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史\
    陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧\
    耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻\
    祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全\
    佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝";

/// Characters that end words of a table's cells, and hardly ever a person's name: "文化产业",
/// "城镇化率", "市场监管" start with a surname's character.
const NOT_NAME_ENDS: &str = "业务设理护制化态境治游入量率术施育动策划项目程区市县镇乡村站局所馆队股\
    办委厅处室科院会司团校场路桥园网房管督查核估调研训典赛展览点";

/// Whether a word is a person's name: a surname ("王某", "欧阳某某") and one or two
/// characters more (two more after a surname of two, or "某某").
fn is_name(p: &str) -> bool {
    let n = p.chars().count();
    let compound = [
        "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "令狐", "慕容", "尉迟", "公孙",
    ]
    .iter()
    .any(|s| p.starts_with(s));
    let fits = if compound {
        (3..=4).contains(&n)
    } else {
        p.chars().next().is_some_and(|c| SURNAMES.contains(c))
            && ((2..=3).contains(&n) || (n == 4 && p.ends_with("某某")))
    };
    fits && !p.chars().last().is_some_and(|c| NOT_NAME_ENDS.contains(c))
}

/// Whether a cell says nothing: "/", "—", "无".
fn is_empty_cell(s: &str) -> bool {
    matches!(
        s.trim(),
        "" | "/" | "／" | "—" | "——" | "-" | "--" | "－" | "无" | "暂无" | "\\" | "|" | "||" | "｜"
    )
}

/// Joins the lines of a text cell: no space between ideographs, one elsewhere.
fn join_lines(s: &str) -> String {
    let mut out = String::new();
    for part in s.split('\n').map(str::trim).filter(|p| !p.is_empty()) {
        let ascii_edge = out
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphanumeric())
            && part
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric());
        if ascii_edge {
            out.push(' ');
        }
        out.push_str(part);
    }
    out
}

/// Unit names in a unit cell: split on 、，,；; and line breaks; brackets stay in a name.
fn unit_names(cell: &str) -> Vec<String> {
    cell.split('\n')
        // A line of a unit cell that is a sentence naming no unit ("开工建设老年大学。") or a
        // date ("5月底前动工") is a cell of another column run into this one.
        .filter(|line| {
            let line = line.trim();
            let acts = [
                "开工", "新建", "建成", "启动", "完成", "推进", "实施", "加快",
            ]
            .iter()
            .any(|w| line.starts_with(w));
            !(line.ends_with('。')
                && (acts
                    || !units::split_names(line)
                        .iter()
                        .any(|n| units::looks_like_unit(n))))
        })
        .flat_map(units::split_names)
        .filter(|n| !is_empty_cell(n) && !looks_like_date_cell(n))
        .collect()
}

/// A target cell with a separate unit column: the unit follows a bare number ("0.07" + "万亩").
/// A cell of 0 is no target.
/// One place's target of a matrix row: the place, the indicator, the unit cell's words and the
/// value with the unit put after its number ("7左右" under "增幅(%)" → "…增幅7%左右").
fn place_target(place: &str, indicator: &str, unit_cell: &str, cell: &str) -> String {
    let unit_cell = join_lines(unit_cell);
    let (stem, unit) = match header_unit(&unit_cell) {
        Some((stem, unit)) => (stem.to_string(), unit.to_string()),
        None if is_empty_cell(&unit_cell) => (String::new(), String::new()),
        None => (String::new(), unit_cell.trim().to_string()),
    };
    let digits = cell
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || *c == '.'))
        .map_or(cell.len(), |(at, _)| at);
    let rest = &cell[digits..];
    let value = if digits > 0
        && !unit.is_empty()
        && !rest.starts_with(['%', '％'])
        && !rest.starts_with(unit.as_str())
    {
        format!("{}{unit}{}", &cell[..digits], &cell[digits..])
    } else {
        cell.to_string()
    };
    format!("{place}{indicator}{stem}{value}")
}

fn with_unit(cell: &str, unit: Option<&str>) -> Option<String> {
    let t = cell.trim();
    let bare: String = t.chars().filter(|c| *c != ',').collect();
    let is_number = !bare.is_empty() && bare.parse::<f64>().is_ok();
    if is_number && bare.parse::<f64>().ok() == Some(0.0) {
        return None;
    }
    match unit {
        Some(u) if is_number && !u.trim().is_empty() && !is_empty_cell(u) => {
            let u = u.trim();
            // Apply 万/亿 here, in decimal, so that 0.07 万亩 is exactly 700 亩 ("万元" and
            // "亿元" are units of their own).
            let shift = match u.chars().next() {
                Some('万') if u != "万元" && u.chars().count() > 1 => Some(4),
                Some('亿') if u != "亿元" && u.chars().count() > 1 => Some(8),
                _ => None,
            };
            match shift.and_then(|s| shift_decimal(&bare, s)) {
                Some(v) => Some(format!(
                    "{v}{}",
                    &u[u.char_indices().nth(1).map_or(0, |x| x.0)..]
                )),
                None => Some(format!("{t}{u}")),
            }
        }
        _ => Some(t.to_string()),
    }
}

/// "0.07" shifted by 4 places → "700".
fn shift_decimal(n: &str, places: usize) -> Option<String> {
    let (int, frac) = n.split_once('.').unwrap_or((n, ""));
    if !int.chars().chain(frac.chars()).all(|c| c.is_ascii_digit()) {
        return None;
    }
    let mut digits = format!("{int}{frac}");
    let point = int.len() + places;
    while digits.len() < point {
        digits.push('0');
    }
    let (a, b) = digits.split_at(point);
    let a = a.trim_start_matches('0');
    let a = if a.is_empty() { "0" } else { a };
    let b = b.trim_end_matches('0');
    Some(if b.is_empty() {
        a.to_string()
    } else {
        format!("{a}.{b}")
    })
}

/// A header word's name and the unit its column's numbers are in: "年度投资金额（万元）" →
/// ("年度投资金额", "万元"), "完成率(%)" → ("完成率", "%").
fn header_unit(word: &str) -> Option<(&str, &str)> {
    let w = word.trim();
    let (stem, unit) = w.strip_suffix(['）', ')'])?.rsplit_once(['（', '('])?;
    let unit = unit.trim();
    crate::targets::is_unit(unit).then_some((stem.trim(), unit))
}

/// The unit column `i`'s header names, read on its analysis form and given as written
/// ("年度投資金額（萬元）" → ("年度投資金額", "萬元")).
fn header_unit_as_written(header: &Header, i: usize) -> Option<(&str, &str)> {
    let word = header.words.get(i)?;
    let (stem, unit) = header_unit(word)?;
    let offset = |part: &str| part.as_ptr() as usize - word.as_ptr() as usize;
    let written = header.texts.get(i).filter(|t| t.len() == word.len());
    let slice = |part: &str| -> Option<&str> {
        written.and_then(|t| t.get(offset(part)..offset(part) + part.len()))
    };
    match (slice(stem), slice(unit)) {
        (Some(s), Some(u)) => Some((s, u)),
        _ => Some((stem, unit)),
    }
}

/// A row's cells by role.
fn fill_row(header: &Header, cells: &[String]) -> Row {
    let mut row = Row::default();
    let mut places: Vec<(usize, String)> = Vec::new();
    let unit = header
        .roles
        .iter()
        .position(|r| *r == Some(Role::Unit))
        .and_then(|i| cells.get(i))
        .map(String::as_str);
    for (i, cell) in cells.iter().enumerate() {
        let cell = cell.trim();
        if is_empty_cell(cell) {
            continue;
        }
        let Some(role) = header.roles.get(i).copied().flatten() else {
            continue;
        };
        match role {
            Role::Task => {
                let text = join_lines(cell);
                if row.title.is_empty() {
                    match text.split_once('。') {
                        Some((head, rest)) => {
                            row.title = head.trim().to_string();
                            if !rest.trim().is_empty() {
                                row.content.push(rest.trim().to_string());
                            }
                        }
                        None => row.title = text,
                    }
                } else {
                    row.content.push(text);
                }
            }
            Role::Target => {
                // A bare number under a header that names its unit reads as "名称300万元".
                let named = header_unit_as_written(header, i);
                let text = match (unit, named) {
                    (None, Some((stem, u))) => with_unit(&join_lines(cell), Some(u)).map(|t| {
                        if t.starts_with(|c: char| c.is_ascii_digit()) {
                            format!("{stem}{t}")
                        } else {
                            t
                        }
                    }),
                    // A bare number under a header that names a count ("计划完成数"):
                    // "计划完成数达到150", a count named before its number.
                    (None, None)
                        if cell_kind(cell) == CellKind::Number
                            && header
                                .words
                                .get(i)
                                .is_some_and(|w| crate::targets::names_a_count(w)) =>
                    {
                        let word: String = header.words[i]
                            .chars()
                            .filter(|c| !c.is_whitespace())
                            .collect();
                        Some(format!("{word}达到{}", cell.trim()))
                    }
                    _ => with_unit(&join_lines(cell), unit),
                };
                if let Some(t) = text {
                    row.content.push(t);
                }
            }
            Role::Lead => {
                // Some names of a lead cell starred ("▲A、B"): the starred ones lead.
                let names = unit_names(cell);
                match units::split_starred(&names) {
                    Some((lead, rest)) => {
                        row.lead.extend(lead);
                        row.support.extend(rest);
                    }
                    None => row.lead.extend(names),
                }
            }
            Role::Support => row.support.extend(unit_names(cell)),
            Role::Responsible => row.responsible.extend(unit_names(cell)),
            Role::People => row.leaders.extend(unit_names(cell)),
            Role::Deadline => row.deadline = Some(join_lines(cell)),
            Role::Place => places.push((i, join_lines(cell))),
            Role::Number
            | Role::Category
            | Role::Unit
            | Role::Assessor
            | Role::Progress
            | Role::Remarks => {}
        }
    }
    // A matrix of per-place targets: "苏州市" | "7左右" under "增幅(%)" reads as
    // "苏州市地区生产总值增幅7%左右".
    for (i, cell) in places {
        let place = header.texts.get(i).map_or("", |t| t.trim());
        row.content
            .push(place_target(place, &row.title, unit.unwrap_or(""), &cell));
    }
    row
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_expands_spans() {
        let t = Table {
            rows: vec![
                vec![
                    Cell::new("类别"),
                    Cell::new("序号"),
                    Cell::spanning("单位", 1, 2),
                ],
                vec![
                    Cell::spanning("产业", 2, 1),
                    Cell::new("1"),
                    Cell::new("a"),
                    Cell::new("b"),
                ],
                vec![Cell::new("2"), Cell::new("c"), Cell::new("d")],
            ],
        };
        assert_eq!(
            t.grid(),
            vec![
                vec!["类别", "序号", "单位", "单位"],
                vec!["产业", "1", "a", "b"],
                vec!["产业", "2", "c", "d"],
            ]
        );
    }

    #[test]
    fn roles_from_header_words() {
        assert_eq!(role_of("序号"), Some(Role::Number));
        assert_eq!(role_of("项目名称"), Some(Role::Task));
        assert_eq!(role_of("年度目标任务"), Some(Role::Target));
        assert_eq!(role_of("牵头单位"), Some(Role::Lead));
        assert_eq!(role_of("配合单位"), Some(Role::Support));
        assert_eq!(role_of("责任单位"), Some(Role::Responsible));
        assert_eq!(role_of("完成时限"), Some(Role::Deadline));
        assert_eq!(role_of("分管县领导"), Some(Role::People));
        assert_eq!(role_of("评分部门"), Some(Role::Assessor));
        assert_eq!(role_of("1-10月推进情况"), Some(Role::Progress));
        // The quick test of `cell_line_header` looks for these in a 序号 word.
        for w in ["序号", "编号", "序", "No.", "NO", "序 号", "任务序号"] {
            assert_eq!(role_of(w), Some(Role::Number), "{w}");
            assert!(
                ["序", "编号", "NO", "No"].iter().any(|c| w.contains(c)),
                "{w}"
            );
        }
        assert_eq!(role_of("市折子号"), Some(Role::Remarks));
        assert_eq!(role_of("项目编号"), Some(Role::Remarks));
        assert_eq!(role_of("单位"), Some(Role::Unit));
        assert_eq!(role_of("类别"), Some(Role::Category));
        assert_eq!(role_of("资金来源渠道"), None);
        // An assessment's indicator, its weights and the source of its figures.
        assert_eq!(role_of("考评指标"), Some(Role::Task));
        assert_eq!(role_of("考评部门"), Some(Role::Assessor));
        assert_eq!(role_of("目标任务考核指标权重"), Some(Role::Remarks));
        assert_eq!(role_of("数据来源"), Some(Role::Remarks));
    }

    #[test]
    fn unit_column_applies_to_a_bare_number() {
        assert_eq!(with_unit("0.07", Some("万亩")).as_deref(), Some("700亩"));
        assert_eq!(with_unit("1.5", Some("亿元")).as_deref(), Some("1.5亿元"));
        assert_eq!(with_unit("12", Some("个")).as_deref(), Some("12个"));
        assert_eq!(with_unit("0", Some("万亩")), None);
        assert_eq!(
            with_unit("良好以上", Some("/")).as_deref(),
            Some("良好以上")
        );
    }
}
