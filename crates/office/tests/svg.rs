//! The SVG charts: well-formed XML, the expected elements, escaping and edge cases. The
//! `samples` test also writes one file per chart to `target/svg-samples/` for people to look at.

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::NaiveDate;
use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};
use zhuanban_ledger::Colour;
use zhuanban_office::svg::{
    BLUE, Bar, FONT_FAMILY, GREEN, GREY, RED, SERIES_HEIGHT, SERIES_WIDTH, YELLOW, colour_donut,
    colour_hex, escape, fmt_number, progress_bar, series_line, status_bars, status_bars_sized,
};
use zhuanban_office::svg::{Level, series_levels};

// ---------------------------------------------------------------------------------------------
// A small DOM built with quick-xml
// ---------------------------------------------------------------------------------------------

#[derive(Debug)]
struct Node {
    name: String,
    attrs: BTreeMap<String, String>,
    /// Direct text content, entities resolved.
    text: String,
    parent: Option<usize>,
}

impl Node {
    fn attr(&self, key: &str) -> &str {
        self.attrs.get(key).map_or("", String::as_str)
    }

    fn num(&self, key: &str) -> f64 {
        self.attr(key)
            .parse()
            .unwrap_or_else(|_| panic!("{key} of {self:?} is not a number"))
    }

    fn class(&self) -> &str {
        self.attr("class")
    }
}

fn open(e: &BytesStart<'_>, parent: Option<usize>) -> Node {
    let mut attrs = BTreeMap::new();
    for a in e.attributes() {
        let a = a.expect("attribute");
        let value = a
            .normalized_value(XmlVersion::Implicit1_0)
            .expect("attribute value")
            .into_owned();
        assert!(
            attrs.insert(a.key.as_ref().to_owned(), value).is_none(),
            "duplicate attribute in {}",
            e.as_ref()
        );
    }
    Node {
        name: e.name().as_ref().to_owned(),
        attrs,
        text: String::new(),
        parent,
    }
}

/// Parses a chart with quick-xml until Eof, failing on any error, and checks the shell every
/// chart shares. Returns the elements in document order.
fn parse(svg: &str) -> Vec<Node> {
    let mut reader = Reader::from_str(svg);
    let mut nodes: Vec<Node> = Vec::new();
    let mut stack: Vec<usize> = Vec::new();
    let mut roots = 0;
    loop {
        match reader
            .read_event()
            .unwrap_or_else(|e| panic!("not well-formed: {e}\n{svg}"))
        {
            Event::Start(e) => {
                if stack.is_empty() {
                    roots += 1;
                }
                nodes.push(open(&e, stack.last().copied()));
                stack.push(nodes.len() - 1);
            }
            Event::Empty(e) => {
                if stack.is_empty() {
                    roots += 1;
                }
                nodes.push(open(&e, stack.last().copied()));
            }
            Event::End(_) => {
                stack.pop();
            }
            Event::Text(t) => {
                let text = t.xml10_content();
                match stack.last() {
                    Some(&i) => nodes[i].text.push_str(&text),
                    None => assert!(text.trim().is_empty(), "text outside the root: {text}"),
                }
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref().expect("char ref") {
                    Some(c) => c.to_string(),
                    None => quick_xml::escape::resolve_predefined_entity(&r)
                        .unwrap_or_else(|| panic!("unknown entity &{};", &*r))
                        .to_owned(),
                };
                let i = *stack.last().expect("reference outside the root");
                nodes[i].text.push_str(&resolved);
            }
            Event::Eof => break,
            other => panic!("unexpected event {other:?}"),
        }
    }
    assert!(stack.is_empty(), "unclosed elements");
    assert_eq!(roots, 1, "one root element");

    let root = &nodes[0];
    assert_eq!(root.name, "svg");
    assert_eq!(root.attr("xmlns"), "http://www.w3.org/2000/svg");
    assert_eq!(root.attr("role"), "img");
    assert_eq!(root.attr("font-family"), FONT_FAMILY);
    let (w, h) = (root.num("width"), root.num("height"));
    assert_eq!(
        root.attr("viewBox"),
        format!("0 0 {} {}", root.attr("width"), root.attr("height"))
    );
    assert!(!root.attr("aria-label").is_empty());
    assert_eq!(nodes[1].name, "title");
    assert_eq!(nodes[1].parent, Some(0));
    assert_eq!(nodes[1].text, root.attr("aria-label"));

    // Every coordinate is a compact finite number; every text lies inside the view box.
    for node in &nodes {
        for key in [
            "x", "y", "width", "height", "cx", "cy", "r", "x1", "y1", "x2", "y2", "rx",
        ] {
            if let Some(v) = node.attrs.get(key) {
                let f: f64 = v
                    .parse()
                    .unwrap_or_else(|_| panic!("{key}={v:?} in {node:?}"));
                assert!(f.is_finite(), "{key}={v} in {node:?}");
                let decimals = v.split_once('.').map_or(0, |(_, d)| d.len());
                assert!(
                    decimals <= 2 && !v.ends_with('.') && v != "-0",
                    "{key}={v} not compact"
                );
            }
        }
        for key in ["d", "points"] {
            if let Some(v) = node.attrs.get(key) {
                assert!(!v.contains("NaN") && !v.contains("inf"), "{key}={v}");
            }
        }
        if node.name == "text" {
            let (x, y) = (node.num("x"), node.num("y"));
            assert!(
                (0.0..=w).contains(&x) && (0.0..=h).contains(&y),
                "text outside: {node:?}"
            );
        }
    }
    nodes
}

fn by_class<'a>(nodes: &'a [Node], class: &str) -> Vec<&'a Node> {
    nodes.iter().filter(|n| n.class() == class).collect()
}

fn texts(nodes: &[Node], class: &str) -> Vec<String> {
    by_class(nodes, class)
        .iter()
        .map(|n| n.text.clone())
        .collect()
}

/// The `<title>` child of an element.
fn title_of(nodes: &[Node], of: &Node) -> String {
    let i = nodes
        .iter()
        .position(|n| std::ptr::eq(n, of))
        .expect("node");
    nodes
        .iter()
        .find(|n| n.name == "title" && n.parent == Some(i))
        .map(|n| n.text.clone())
        .unwrap_or_default()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

const HOSTILE: &str = "<script>alert(\"x\")</script> & 'y'";

/// The hostile text appears only escaped in the output, and whole after parsing.
fn assert_escaped(svg: &str, nodes: &[Node]) {
    assert!(!svg.contains("<script"), "raw markup leaked");
    assert!(svg.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &apos;y&apos;"));
    assert!(nodes[0].attr("aria-label").contains(HOSTILE));
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

#[test]
fn escape_replaces_markup_and_drops_forbidden_characters() {
    assert_eq!(escape("<&>\"'"), "&lt;&amp;&gt;&quot;&apos;");
    assert_eq!(escape("序时推进 A&B"), "序时推进 A&amp;B");
    assert_eq!(escape("a\u{0}b\u{1b}c\u{FFFF}"), "abc");
    assert_eq!(escape("a\nb\tc\rd"), "a b c d");
    assert_eq!(escape(""), "");
}

#[test]
fn fmt_number_groups_integers_and_trims_decimals() {
    let cases = [
        (1200.0, "1,200"),
        (0.08, "0.08"),
        (0.0, "0"),
        (-0.0, "0"),
        (100.0, "100"),
        (999.0, "999"),
        (1000.0, "1,000"),
        (1_234_567.0, "1,234,567"),
        (-1200.5, "-1,200.5"),
        (1.23456, "1.235"),
        (2.5, "2.5"),
        (0.1 + 0.2, "0.3"),
        (999.9996, "1,000"),
        (0.0001, "0"),
        (-0.0001, "0"),
        (999_999_999_999_999.0, "999,999,999,999,999"),
        (1e15, "1e15"),
        (-1.23456e20, "-1.235e20"),
        (1e100, "1e100"),
        (f64::NAN, "—"),
        (f64::INFINITY, "—"),
    ];
    for (v, want) in cases {
        assert_eq!(fmt_number(v), want, "fmt_number({v})");
    }
}

#[test]
fn ledger_colours_map_to_the_palette() {
    assert_eq!(colour_hex(Colour::Green), "#2e7d32");
    assert_eq!(colour_hex(Colour::Yellow), "#f9a825");
    assert_eq!(colour_hex(Colour::Red), "#c62828");
    assert_eq!(colour_hex(Colour::Grey), "#9e9e9e");
    assert_eq!(BLUE, "#1565c0");
}

// ---------------------------------------------------------------------------------------------
// Status bars
// ---------------------------------------------------------------------------------------------

fn bar(label: &str, value: u64, colour: &'static str) -> Bar {
    Bar {
        label: label.to_owned(),
        value,
        colour,
    }
}

fn sample_bars() -> Vec<Bar> {
    vec![
        bar("序时推进/已完成", 12, GREEN),
        bar("滞后", 3, YELLOW),
        bar("严重滞后/逾期", 0, RED),
        bar("无数据/未报送", 5, GREY),
    ]
}

#[test]
fn bars_one_row_per_item_scaled_to_the_largest() {
    let svg = status_bars(&sample_bars());
    let nodes = parse(&svg);
    let bars = by_class(&nodes, "bar");
    assert_eq!(bars.len(), 4);
    assert_eq!(
        texts(&nodes, "label"),
        ["序时推进/已完成", "滞后", "严重滞后/逾期", "无数据/未报送"]
    );
    assert_eq!(texts(&nodes, "count"), ["12", "3", "0", "5"]);
    let widths: Vec<f64> = bars.iter().map(|b| b.num("width")).collect();
    assert_eq!(widths[2], 0.0, "a zero value has no bar");
    assert!((widths[1] / widths[0] - 0.25).abs() < 0.01, "{widths:?}");
    assert!(
        (widths[3] / widths[0] - 5.0 / 12.0).abs() < 0.01,
        "{widths:?}"
    );
    assert_eq!(bars[0].attr("fill"), GREEN);
    assert_eq!(bars[2].attr("fill"), RED);
    // Rows go down, bars start right of the labels and stay inside the chart.
    let width = nodes[0].num("width");
    for (i, b) in bars.iter().enumerate() {
        assert!(b.num("x") + b.num("width") <= width);
        if i > 0 {
            assert!(b.num("y") > bars[i - 1].num("y") + b.num("height"));
        }
    }
    for c in by_class(&nodes, "count") {
        assert!(c.num("x") < width - 10.0, "count {c:?} cut at the edge");
    }
    assert!(nodes[0].attr("aria-label").contains("滞后 3"));
}

#[test]
fn bars_all_zero_and_huge_values() {
    let svg = status_bars(&[bar("甲", 0, GREEN), bar("乙", 0, RED)]);
    let nodes = parse(&svg);
    assert!(
        by_class(&nodes, "bar")
            .iter()
            .all(|b| b.num("width") == 0.0)
    );
    assert_eq!(texts(&nodes, "count"), ["0", "0"]);

    let svg = status_bars(&[bar("甲", u64::MAX, GREEN), bar("乙", 1, RED)]);
    let nodes = parse(&svg);
    assert_eq!(texts(&nodes, "count"), ["18,446,744,073,709,551,615", "1"]);
    let bars = by_class(&nodes, "bar");
    assert_eq!(
        bars[1].num("width"),
        2.0,
        "a tiny non-zero value still shows"
    );
    let width = nodes[0].num("width");
    assert!(bars[0].num("x") + bars[0].num("width") <= width);
}

#[test]
fn bars_empty_says_no_data() {
    let nodes = parse(&status_bars(&[]));
    assert!(by_class(&nodes, "bar").is_empty());
    assert_eq!(texts(&nodes, "nodata"), ["暂无数据"]);
}

#[test]
fn bars_escape_and_cut_long_labels() {
    let long = "某某市推进城乡一体化高质量发展专项行动领导小组办公室";
    let svg = status_bars_sized(&[bar(HOSTILE, 1, GREEN), bar(long, 2, RED)], 400);
    let nodes = parse(&svg);
    assert_escaped(&svg, &nodes);
    assert_eq!(nodes[0].attr("width"), "400");
    let labels = texts(&nodes, "label");
    assert!(labels[1].ends_with('…') && labels[1].chars().count() < long.chars().count());
    // The full label stays in the row's tooltip.
    let rows = by_class(&nodes, "row");
    assert_eq!(title_of(&nodes, rows[1]), format!("{long}：2"));
    assert_eq!(title_of(&nodes, rows[0]), format!("{HOSTILE}：1"));
    // The cut label ends left of the bars: 13 px per CJK character, right-aligned.
    let label = by_class(&nodes, "label")[1];
    let bar_x = by_class(&nodes, "bar")[1].num("x");
    assert!(label.num("x") - 13.0 * labels[1].chars().count() as f64 >= 0.0);
    assert!(label.num("x") < bar_x);
}

// ---------------------------------------------------------------------------------------------
// Colour donut
// ---------------------------------------------------------------------------------------------

const LEGEND: [&str; 4] = ["序时推进/已完成", "滞后", "严重滞后/逾期", "无数据/未报送"];

type Point = (f64, f64);

/// One arc command: its end point, large-arc flag and sweep flag.
type Arc = (Point, u8, u8);

/// The arcs of a path: its start point and its arc commands.
fn arcs(d: &str) -> (Point, Vec<Arc>) {
    let t: Vec<&str> = d.split_whitespace().collect();
    assert_eq!(t[0], "M", "{d}");
    let num = |s: &str| s.parse::<f64>().unwrap_or_else(|_| panic!("{s} in {d}"));
    let start = (num(t[1]), num(t[2]));
    let mut out = Vec::new();
    let mut i = 3;
    while i < t.len() {
        assert_eq!(t[i], "A", "{d}");
        assert_eq!(t[i + 3], "0", "rotation in {d}");
        let flags = (
            t[i + 4].parse().expect("flag"),
            t[i + 5].parse().expect("flag"),
        );
        out.push(((num(t[i + 6]), num(t[i + 7])), flags.0, flags.1));
        i += 8;
    }
    (start, out)
}

fn close(a: Point, b: Point) -> bool {
    (a.0 - b.0).abs() < 0.02 && (a.1 - b.1).abs() < 0.02
}

#[test]
fn donut_segments_close_the_ring() {
    let svg = colour_donut(5, 2, 1, 3, LEGEND, "项任务");
    let nodes = parse(&svg);
    let segs = by_class(&nodes, "seg");
    assert_eq!(segs.len(), 4);
    assert!(
        segs.iter()
            .all(|s| s.name == "path" && s.attr("fill") == "none")
    );
    assert_eq!(
        segs.iter().map(|s| s.attr("stroke")).collect::<Vec<_>>(),
        [GREEN, YELLOW, RED, GREY]
    );
    assert_eq!(texts(&nodes, "total"), ["11"]);
    assert_eq!(texts(&nodes, "caption"), ["项任务"]);
    assert_eq!(texts(&nodes, "legend-label"), LEGEND);
    assert_eq!(texts(&nodes, "legend-count"), ["5", "2", "1", "3"]);
    // 5/11 = 45.45…%: the shares add up to 100.0% (45.4 + 18.2 + 9.1 + 27.3), the largest
    // rounding-up (45.45 → 45.5) gives back the 0.1 too many (see `figures::shares`).
    assert_eq!(title_of(&nodes, segs[0]), "序时推进/已完成：5（45.4%）");

    // Each segment starts where the previous ended; the last ends at the first's start, at
    // the top of the ring.
    let parsed: Vec<_> = segs.iter().map(|s| arcs(s.attr("d"))).collect();
    let first = parsed[0].0;
    assert!(
        (first.0 - 100.0).abs() < 0.01 && first.1 < 100.0,
        "starts at the top: {first:?}"
    );
    let mut end = first;
    for (start, arcs) in &parsed {
        assert!(close(*start, end), "gap between segments");
        for &(_, large, sweep) in arcs {
            assert_eq!(
                (large, sweep),
                (0, 1),
                "arcs are at most half a turn, clockwise"
            );
        }
        end = arcs.last().expect("an arc").0;
    }
    assert!(close(end, first), "ring not closed");
    // 5/11 of a turn is under half: one arc; the legend lies right of the ring.
    assert_eq!(parsed[0].1.len(), 1);
    let swatch_x = by_class(&nodes, "swatch")[0].num("x");
    assert!(swatch_x > 100.0 + 70.0 + 14.0);
}

#[test]
fn donut_long_segment_is_split() {
    let nodes = parse(&colour_donut(1_000_000, 0, 1, 0, LEGEND, "项"));
    let segs = by_class(&nodes, "seg");
    assert_eq!(segs.len(), 2, "zero colours draw nothing");
    let (start, big) = arcs(segs[0].attr("d"));
    assert_eq!(big.len(), 2, "more than half a turn takes two arcs");
    assert!(
        !close(start, big[0].0),
        "the middle point differs from the start"
    );
    assert_eq!(texts(&nodes, "total"), ["1,000,001"]);
    assert_eq!(texts(&nodes, "legend-count"), ["1,000,000", "0", "1", "0"]);
}

#[test]
fn donut_single_colour_is_a_full_circle() {
    for (counts, colour) in [
        ([7, 0, 0, 0], GREEN),
        ([0, 0, 0, 3], GREY),
        ([0, 1, 0, 0], YELLOW),
    ] {
        let [g, y, r, n] = counts;
        let nodes = parse(&colour_donut(g, y, r, n, LEGEND, "项任务"));
        let segs = by_class(&nodes, "seg");
        assert_eq!(segs.len(), 1, "{counts:?}");
        assert_eq!(segs[0].name, "circle");
        assert_eq!(segs[0].attr("stroke"), colour);
        assert!(nodes.iter().all(|n| n.name != "path" || n.class() != "seg"));
        assert_eq!(
            by_class(&nodes, "legend").len(),
            4,
            "zeros stay in the legend"
        );
        assert!(title_of(&nodes, segs[0]).ends_with("（100.0%）"));
    }
}

#[test]
fn donut_zero_total_is_an_empty_ring() {
    let nodes = parse(&colour_donut(0, 0, 0, 0, LEGEND, ""));
    assert!(by_class(&nodes, "seg").is_empty());
    assert_eq!(by_class(&nodes, "empty").len(), 1);
    assert_eq!(texts(&nodes, "total"), ["0"]);
    assert!(
        texts(&nodes, "caption").is_empty(),
        "no caption element when empty"
    );
    assert_eq!(texts(&nodes, "legend-count"), ["0", "0", "0", "0"]);
}

#[test]
fn donut_escapes_labels_and_caption() {
    let svg = colour_donut(1, 1, 0, 0, [HOSTILE, "b", "c", "d"], HOSTILE);
    let nodes = parse(&svg);
    assert_escaped(&svg, &nodes);
    assert!(texts(&nodes, "legend-label")[0].starts_with("<script>"));
    // The caption is cut to fit inside the ring.
    let caption = &texts(&nodes, "caption")[0];
    assert!(caption.ends_with('…'), "{caption}");
}

// ---------------------------------------------------------------------------------------------
// Series line
// ---------------------------------------------------------------------------------------------

fn plan_2024() -> (NaiveDate, NaiveDate) {
    (date(2024, 1, 1), date(2024, 12, 31))
}

fn sample_points() -> Vec<(NaiveDate, f64)> {
    vec![
        (date(2024, 3, 31), 1800.0),
        (date(2024, 6, 30), 1200.0 * 4.0),
        (date(2024, 9, 30), 6900.0),
        (date(2024, 12, 31), 9600.0),
    ]
}

fn line(points: &[(NaiveDate, f64)], target: Option<f64>, guide: bool) -> (String, Vec<Node>) {
    let (s, e) = plan_2024();
    let svg = series_line(
        points,
        target,
        guide,
        s,
        e,
        "人",
        SERIES_WIDTH,
        SERIES_HEIGHT,
    );
    let nodes = parse(&svg);
    (svg, nodes)
}

fn polyline_xy(node: &Node) -> Vec<(f64, f64)> {
    node.attr("points")
        .split_whitespace()
        .map(|p| {
            let (x, y) = p.split_once(',').expect("x,y");
            (x.parse().expect("x"), y.parse().expect("y"))
        })
        .collect()
}

/// The y tick values, parsed back from their labels.
fn y_ticks(nodes: &[Node]) -> Vec<f64> {
    texts(nodes, "ylabel")
        .iter()
        .map(|t| t.replace(',', "").parse().expect("tick"))
        .collect()
}

/// The plot's top and bottom y from the grid lines.
fn plot_span(nodes: &[Node]) -> (f64, f64) {
    let ys: Vec<f64> = by_class(nodes, "ytick")
        .iter()
        .map(|l| l.num("y1"))
        .collect();
    (
        ys.iter().copied().fold(f64::MAX, f64::min),
        ys.iter().copied().fold(f64::MIN, f64::max),
    )
}

fn assert_nice(ticks: &[f64], context: &str) {
    assert!((3..=5).contains(&ticks.len()), "{context}: {ticks:?}");
    let step = ticks[1] - ticks[0];
    assert!(step > 0.0, "{context}: {ticks:?}");
    for w in ticks.windows(2) {
        assert!(
            ((w[1] - w[0]) - step).abs() <= step * 1e-6,
            "{context}: uneven {ticks:?}"
        );
    }
    let mantissa = step / 10f64.powf(step.log10().floor());
    assert!(
        [1.0, 2.0, 2.5, 5.0, 10.0]
            .iter()
            .any(|m| (mantissa - m).abs() < 1e-6),
        "{context}: step {step}"
    );
    for t in ticks {
        assert!(
            ((t / step) - (t / step).round()).abs() < 1e-6,
            "{context}: {t} off the step"
        );
    }
}

#[test]
fn series_points_target_guide_and_axes() {
    let (_, nodes) = line(&sample_points(), Some(10_000.0), true);
    let points = by_class(&nodes, "point");
    assert_eq!(points.len(), 4);
    assert_eq!(by_class(&nodes, "series").len(), 1);
    assert_eq!(by_class(&nodes, "target").len(), 1);
    assert_eq!(by_class(&nodes, "guide").len(), 1);
    assert_eq!(by_class(&nodes, "axis").len(), 1);
    assert_eq!(texts(&nodes, "target-label"), ["目标 10,000人"]);
    assert_eq!(texts(&nodes, "guide-label"), ["序时进度"]);
    assert_eq!(texts(&nodes, "unit"), ["单位：人"]);
    assert_eq!(title_of(&nodes, points[1]), "2024-06-30：4,800人");
    assert!(
        nodes[0]
            .attr("aria-label")
            .contains("最新 2024-12-31 9,600人")
    );

    // Month labels, every month fits at this width.
    let months: Vec<String> = (1..=12).map(|m| format!("{m}月")).collect();
    assert_eq!(texts(&nodes, "xlabel"), months);
    assert_eq!(texts(&nodes, "xyear"), ["2024年"]);

    // y: from 0 to at least the target plus 10%, in round ticks.
    let ticks = y_ticks(&nodes);
    assert_nice(&ticks, "sample");
    assert_eq!(ticks[0], 0.0);
    assert!(*ticks.last().expect("tick") >= 11_000.0, "{ticks:?}");

    // The polyline goes through the circles, left to right; larger values are higher.
    let xy = polyline_xy(by_class(&nodes, "series")[0]);
    for (p, c) in xy.iter().zip(&points) {
        assert_eq!(*p, (c.num("cx"), c.num("cy")));
    }
    assert!(xy.windows(2).all(|w| w[0].0 < w[1].0));
    assert!(xy[3].1 < xy[2].1 && xy[1].1 < xy[0].1);
    // The last point, on the period's end, sits on the right edge of the plot.
    let guide = by_class(&nodes, "guide")[0];
    assert!((guide.num("x2") - xy[3].0).abs() < 0.01);
    // The guide rises from 0 at the start to the target at the end.
    let target = by_class(&nodes, "target")[0];
    let (_, bottom) = plot_span(&nodes);
    assert!((guide.num("y1") - bottom).abs() < 0.01);
    assert!((guide.num("y2") - target.num("y1")).abs() < 0.01);
}

#[test]
fn series_without_guide_or_target() {
    let (_, nodes) = line(&sample_points(), Some(10_000.0), false);
    assert!(by_class(&nodes, "guide").is_empty());
    assert_eq!(by_class(&nodes, "target").len(), 1);

    let (_, nodes) = line(&sample_points(), None, true);
    assert!(
        by_class(&nodes, "guide").is_empty(),
        "no guide without a target"
    );
    assert!(by_class(&nodes, "target").is_empty());
    assert!(*y_ticks(&nodes).last().expect("tick") >= 9600.0 * 1.1);
}

#[test]
fn series_empty_shows_axes_and_no_data() {
    let (_, nodes) = line(&[], None, false);
    assert!(by_class(&nodes, "point").is_empty());
    assert!(by_class(&nodes, "series").is_empty());
    assert_eq!(by_class(&nodes, "axis").len(), 1);
    assert_eq!(texts(&nodes, "nodata"), ["暂无数据"]);
    assert_nice(&y_ticks(&nodes), "empty");
    assert_eq!(texts(&nodes, "xlabel").len(), 12);

    // The target is still drawn.
    let (_, nodes) = line(&[], Some(50.0), true);
    assert_eq!(by_class(&nodes, "target").len(), 1);
    assert_eq!(texts(&nodes, "nodata"), ["暂无数据"]);
}

#[test]
fn series_single_point_has_no_line() {
    let (_, nodes) = line(&[(date(2024, 6, 30), 1200.0)], None, false);
    assert_eq!(by_class(&nodes, "point").len(), 1);
    assert!(by_class(&nodes, "series").is_empty());
    assert!(texts(&nodes, "nodata").is_empty());
}

#[test]
fn series_negative_values_extend_below_zero() {
    let points = [
        (date(2024, 3, 31), -5.0),
        (date(2024, 6, 30), 3.0),
        (date(2024, 9, 30), -12.5),
    ];
    let (_, nodes) = line(&points, Some(2.0), true);
    let ticks = y_ticks(&nodes);
    assert_nice(&ticks, "negative");
    assert!(ticks[0] <= -12.5 && ticks.contains(&0.0), "{ticks:?}");
    let (top, bottom) = plot_span(&nodes);
    for p in by_class(&nodes, "point") {
        assert!(
            (top..=bottom).contains(&p.num("cy")),
            "{p:?} outside the plot"
        );
    }
    // The guide starts at the zero line, not at the bottom.
    let guide = by_class(&nodes, "guide")[0];
    let zero = by_class(&nodes, "ytick")[ticks.iter().position(|&t| t == 0.0).expect("0")];
    assert!((guide.num("y1") - zero.num("y1")).abs() < 0.01);
    assert!(guide.num("y1") < bottom);
}

#[test]
fn series_value_far_above_target() {
    let points = [(date(2024, 6, 30), 50_000.0), (date(2024, 9, 30), 80.0)];
    let (_, nodes) = line(&points, Some(100.0), false);
    let ticks = y_ticks(&nodes);
    assert_nice(&ticks, "far above");
    assert!(*ticks.last().expect("tick") >= 55_000.0);
    let (top, bottom) = plot_span(&nodes);
    let high = by_class(&nodes, "point")[0].num("cy");
    assert!(
        high >= top && high < top + (bottom - top) * 0.2,
        "the high point near the top"
    );
    let target = by_class(&nodes, "target")[0].num("y1");
    assert!(
        target > bottom - (bottom - top) * 0.05,
        "the target near the bottom"
    );
    // Its label stays above the line and inside the chart.
    let label = by_class(&nodes, "target-label")[0];
    assert!(label.num("y") < target);
}

#[test]
fn series_target_label_stays_inside_the_plot() {
    // 909 + 10% rounds up to a top tick of 1,000: the line is near the top.
    let (s, e) = plan_2024();
    for (height, below) in [(SERIES_HEIGHT, false), (120, true)] {
        let nodes = parse(&series_line(&[], Some(909.0), false, s, e, "", 480, height));
        assert_eq!(y_ticks(&nodes).last(), Some(&1000.0));
        let target = by_class(&nodes, "target")[0].num("y1");
        let label = by_class(&nodes, "target-label")[0].num("y");
        assert_eq!(
            label > target,
            below,
            "height {height}: label {label}, line {target}"
        );
        assert!(label - 11.0 >= 0.0, "label cut at the top");
    }
}

/// The y of the guide line at x.
fn guide_y_at(nodes: &[Node], x: f64) -> f64 {
    let g = by_class(nodes, "guide")[0];
    let (x1, y1, x2, y2) = (g.num("x1"), g.num("y1"), g.num("x2"), g.num("y2"));
    y1 + (y2 - y1) * (x - x1) / (x2 - x1)
}

#[test]
fn series_guide_label_sits_away_from_the_data() {
    // The data lag below the guide: the label goes above it, running left.
    let (_, nodes) = line(&sample_points(), Some(10_000.0), true);
    let label = by_class(&nodes, "guide-label")[0];
    assert_eq!(label.attr("text-anchor"), "end");
    assert!(label.num("y") < guide_y_at(&nodes, label.num("x")));

    // The data run ahead: below it, running right.
    let ahead = [(date(2024, 6, 30), 9000.0), (date(2024, 9, 30), 9500.0)];
    let (_, nodes) = line(&ahead, Some(10_000.0), true);
    let label = by_class(&nodes, "guide-label")[0];
    assert_eq!(label.attr("text-anchor"), "start");
    assert!(label.num("y") - 11.0 > guide_y_at(&nodes, label.num("x")));

    // No data: below, and "暂无数据" clear of both lines.
    let (_, nodes) = line(&[], Some(1200.0), true);
    let label = by_class(&nodes, "guide-label")[0];
    assert!(label.num("y") > guide_y_at(&nodes, label.num("x")));
    let nodata = by_class(&nodes, "nodata")[0];
    let target = by_class(&nodes, "target")[0].num("y1");
    let text_mid = nodata.num("y") - 5.0;
    assert!((text_mid - target).abs() >= 18.0);
    assert!((text_mid - guide_y_at(&nodes, nodata.num("x"))).abs() >= 18.0);
}

#[test]
fn series_skips_points_outside_the_period_and_sorts() {
    let points = [
        (date(2024, 9, 30), 30.0),
        (date(2023, 12, 31), 1_000_000.0),
        (date(2024, 3, 31), 10.0),
        (date(2025, 1, 1), -1_000.0),
        (date(2024, 6, 30), f64::NAN),
        (date(2024, 1, 1), 5.0),
    ];
    let (_, nodes) = line(&points, None, false);
    let circles = by_class(&nodes, "point");
    assert_eq!(
        circles.len(),
        3,
        "before start, after end and NaN are skipped"
    );
    let tips: Vec<String> = circles.iter().map(|c| title_of(&nodes, c)).collect();
    assert_eq!(
        tips,
        ["2024-01-01：5人", "2024-03-31：10人", "2024-09-30：30人"]
    );
    let ticks = y_ticks(&nodes);
    assert!(
        ticks[0] == 0.0 && *ticks.last().expect("tick") < 100.0,
        "skipped values not scaled"
    );
    let xy = polyline_xy(by_class(&nodes, "series")[0]);
    assert!(xy.windows(2).all(|w| w[0].0 < w[1].0));
    assert!(nodes[0].attr("aria-label").contains("3 个数据点"));
}

#[test]
fn series_skips_absurd_values() {
    let points = [
        (date(2024, 3, 31), f64::MAX),
        (date(2024, 4, 30), -1e300),
        (date(2024, 5, 31), f64::NEG_INFINITY),
        (date(2024, 6, 30), 1e100),
    ];
    let (_, nodes) = line(&points, Some(f64::MAX), true);
    assert_eq!(by_class(&nodes, "point").len(), 1);
    assert!(by_class(&nodes, "target").is_empty());
    assert_nice(&y_ticks(&nodes), "1e100");
}

#[test]
fn series_y_ticks_are_round_for_many_ranges() {
    let (s, e) = plan_2024();
    for max in [
        0.001, 0.08, 0.5, 1.0, 7.0, 9.99, 95.0, 100.0, 1200.0, 12_345.0, 3.3e7,
    ] {
        for target in [None, Some(max * 0.5), Some(max * 3.0)] {
            let points = [(date(2024, 5, 1), max / 3.0), (date(2024, 8, 1), max)];
            let nodes = parse(&series_line(&points, target, true, s, e, "", 480, 240));
            let ticks = y_ticks(&nodes);
            let context = format!("max {max} target {target:?}");
            assert_nice(&ticks, &context);
            let want = max.max(target.unwrap_or(0.0)) * 1.1;
            assert!(
                *ticks.last().expect("tick") >= want * (1.0 - 1e-9),
                "{context}: {ticks:?}"
            );
            assert_eq!(ticks[0], 0.0, "{context}");
            let labels = texts(&nodes, "ylabel");
            let unique: std::collections::BTreeSet<_> = labels.iter().collect();
            assert_eq!(
                unique.len(),
                labels.len(),
                "{context}: repeated labels {labels:?}"
            );
            assert!(
                texts(&nodes, "unit").is_empty(),
                "no unit label without a unit"
            );
        }
    }
}

#[test]
fn series_multi_year_period_thins_month_labels() {
    let (s, e) = (date(2024, 1, 1), date(2026, 12, 31));
    let nodes = parse(&series_line(&[], Some(90.0), true, s, e, "%", 480, 240));
    let labels = by_class(&nodes, "xlabel");
    assert!(labels.len() < 36 && labels.len() >= 6, "{}", labels.len());
    for w in labels.windows(2) {
        assert!(w[1].num("x") - w[0].num("x") >= 30.0, "labels too close");
    }
    assert_eq!(texts(&nodes, "xyear"), ["2024年", "2025年", "2026年"]);
    assert_eq!(texts(&nodes, "target-label"), ["目标 90%"]);

    // Fifteen years: year labels only.
    let (s, e) = (date(2021, 1, 1), date(2035, 12, 31));
    let nodes = parse(&series_line(&[], None, false, s, e, "", 480, 240));
    let labels = texts(&nodes, "xlabel");
    assert!(labels.iter().all(|l| l.ends_with('年')), "{labels:?}");
    assert!(labels.len() >= 3, "{labels:?}");
    assert!(texts(&nodes, "xyear").is_empty());
}

#[test]
fn series_period_edge_cases() {
    // Within one month: the first and last day.
    let nodes = parse(&series_line(
        &[],
        None,
        false,
        date(2024, 6, 5),
        date(2024, 6, 25),
        "",
        480,
        240,
    ));
    assert_eq!(texts(&nodes, "xlabel"), ["6月5日", "6月25日"]);

    // A year starting mid-year: year under the first tick and under January.
    let nodes = parse(&series_line(
        &[],
        None,
        false,
        date(2024, 7, 1),
        date(2025, 6, 30),
        "",
        480,
        240,
    ));
    let labels = texts(&nodes, "xlabel");
    assert_eq!(labels.first().map(String::as_str), Some("7月"));
    assert_eq!(texts(&nodes, "xyear"), ["2024年", "2025年"]);

    // Reversed dates mean the same period; equal dates do not divide by zero.
    let (s, e) = plan_2024();
    let a = series_line(&sample_points(), Some(1.0), true, s, e, "人", 480, 240);
    let b = series_line(&sample_points(), Some(1.0), true, e, s, "人", 480, 240);
    assert_eq!(a, b);
    let nodes = parse(&series_line(&[(s, 3.0)], None, false, s, s, "", 480, 240));
    assert_eq!(by_class(&nodes, "point").len(), 1);

    // Tiny sizes are raised.
    let nodes = parse(&series_line(
        &sample_points(),
        None,
        false,
        s,
        e,
        "",
        10,
        10,
    ));
    assert_eq!(
        (nodes[0].num("width"), nodes[0].num("height")),
        (200.0, 120.0)
    );
}

#[test]
fn series_escapes_the_unit() {
    let (s, e) = plan_2024();
    let svg = series_line(&sample_points(), Some(5.0), false, s, e, HOSTILE, 480, 240);
    let nodes = parse(&svg);
    assert_escaped(&svg, &nodes);
    let tip = title_of(&nodes, by_class(&nodes, "point")[0]);
    assert_eq!(tip, format!("2024-03-31：1,800{HOSTILE}"));
}

// ---------------------------------------------------------------------------------------------
// Progress bar
// ---------------------------------------------------------------------------------------------

fn progress_parts(svg: &str) -> (Vec<Node>, f64, f64) {
    let nodes = parse(svg);
    let track = by_class(&nodes, "track")[0];
    let (x0, w) = (track.num("x"), track.num("width"));
    (nodes, x0, w)
}

#[test]
fn progress_fill_tick_and_label() {
    let svg = progress_bar(0.5, 0.6, GREEN, 240);
    let (nodes, x0, w) = progress_parts(&svg);
    let fill = by_class(&nodes, "fill")[0];
    assert!((fill.num("width") - w * 0.5).abs() < 0.01);
    assert_eq!(fill.attr("fill"), GREEN);
    let tick = by_class(&nodes, "elapsed")[0];
    assert!((tick.num("x1") - (x0 + w * 0.6)).abs() < 0.01);
    assert_eq!(title_of(&nodes, tick), "序时进度 60%");
    assert_eq!(texts(&nodes, "percent"), ["50%"]);
    assert_eq!(nodes[0].attr("width"), "240");
    let label = by_class(&nodes, "percent")[0];
    assert!(label.num("x") > x0 + w, "label right of the bar");
}

#[test]
fn progress_clips_drawing_but_not_the_label() {
    let (nodes, x0, w) = progress_parts(&progress_bar(1.35, 1.5, GREEN, 240));
    assert!((by_class(&nodes, "fill")[0].num("width") - w).abs() < 0.01);
    assert!((by_class(&nodes, "elapsed")[0].num("x1") - (x0 + w)).abs() < 0.01);
    assert_eq!(texts(&nodes, "percent"), ["135%"]);

    let (nodes, x0, _) = progress_parts(&progress_bar(-0.05, -1.0, RED, 240));
    assert_eq!(by_class(&nodes, "fill")[0].num("width"), 0.0);
    assert!((by_class(&nodes, "elapsed")[0].num("x1") - x0).abs() < 0.01);
    assert_eq!(texts(&nodes, "percent"), ["-5%"]);

    let (nodes, _, _) = progress_bar_nodes(0.3333, f64::NAN);
    assert!(
        by_class(&nodes, "elapsed").is_empty(),
        "no tick without an elapsed share"
    );
    assert_eq!(texts(&nodes, "percent"), ["33.3%"]);

    let (nodes, _, _) = progress_bar_nodes(f64::NAN, 0.5);
    assert_eq!(by_class(&nodes, "fill")[0].num("width"), 0.0);
    assert_eq!(texts(&nodes, "percent"), ["—"]);

    let nodes = parse(&progress_bar(0.5, 0.5, GREEN, 1));
    assert_eq!(nodes[0].attr("width"), "80");
}

fn progress_bar_nodes(p: f64, e: f64) -> (Vec<Node>, f64, f64) {
    progress_parts(&progress_bar(p, e, YELLOW, 240))
}

#[test]
fn progress_escapes_the_colour() {
    let svg = progress_bar(0.5, 0.5, "red\" onload=\"alert(1)", 240);
    let nodes = parse(&svg);
    let fill = by_class(&nodes, "fill")[0];
    assert_eq!(fill.attr("fill"), "red\" onload=\"alert(1)");
    assert!(nodes.iter().all(|n| !n.attrs.contains_key("onload")));
}

// ---------------------------------------------------------------------------------------------
// Samples for people
// ---------------------------------------------------------------------------------------------

#[test]
fn samples() {
    // Integration tests get `<target>/tmp`; the samples go beside it.
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("target dir")
        .join("svg-samples");
    std::fs::create_dir_all(&dir).expect("create target/svg-samples");
    let (s, e) = plan_2024();
    let mut wavy = sample_points();
    wavy.insert(0, (date(2024, 1, 31), 300.0));
    let charts = [
        ("status_bars", status_bars(&sample_bars())),
        (
            "status_bars_long",
            status_bars(&[
                bar(
                    "某某市推进城乡一体化高质量发展专项行动领导小组办公室",
                    1234,
                    BLUE,
                ),
                bar("市发展改革委", 87, BLUE),
                bar("市财政局", 0, BLUE),
            ]),
        ),
        ("status_bars_empty", status_bars(&[])),
        ("colour_donut", colour_donut(23, 6, 2, 4, LEGEND, "项任务")),
        (
            "colour_donut_single",
            colour_donut(0, 0, 0, 17, LEGEND, "项任务"),
        ),
        (
            "colour_donut_empty",
            colour_donut(0, 0, 0, 0, LEGEND, "项任务"),
        ),
        (
            "colour_donut_tiny",
            colour_donut(12_345, 0, 1, 0, LEGEND, "项任务"),
        ),
        (
            "series_line",
            series_line(
                &wavy,
                Some(10_000.0),
                true,
                s,
                e,
                "人",
                SERIES_WIDTH,
                SERIES_HEIGHT,
            ),
        ),
        (
            "series_line_negative",
            series_line(
                &[
                    (date(2024, 3, 31), -5.0),
                    (date(2024, 6, 30), 3.2),
                    (date(2024, 9, 30), -12.5),
                ],
                Some(6.5),
                false,
                s,
                e,
                "%",
                SERIES_WIDTH,
                SERIES_HEIGHT,
            ),
        ),
        (
            "series_line_multi_year",
            series_line(
                &[
                    (date(2024, 6, 30), 12.0),
                    (date(2024, 12, 31), 30.0),
                    (date(2025, 6, 30), 41.0),
                    (date(2025, 12, 31), 58.5),
                ],
                Some(90.0),
                true,
                date(2024, 1, 1),
                date(2026, 12, 31),
                "万元",
                SERIES_WIDTH,
                SERIES_HEIGHT,
            ),
        ),
        (
            "series_line_above_target",
            series_line(
                &[(date(2024, 6, 30), 50_000.0), (date(2024, 9, 30), 80.0)],
                Some(100.0),
                false,
                s,
                e,
                "人",
                SERIES_WIDTH,
                SERIES_HEIGHT,
            ),
        ),
        (
            "series_line_empty",
            series_line(&[], Some(1200.0), true, s, e, "人", 480, 240),
        ),
        ("progress_bar", progress_bar(0.62, 0.75, YELLOW, 240)),
        ("progress_bar_over", progress_bar(1.35, 0.4, GREEN, 240)),
    ];
    for (name, svg) in &charts {
        parse(svg);
        std::fs::write(dir.join(format!("{name}.svg")), svg).expect("write sample");
    }
    assert!(dir.join("series_line.svg").is_file());
}

/// A site's chart with the standard's class lines: each drawn across the plot at its value
/// (the y axis spans them), labelled, and labels too close to each other left out.
#[test]
fn series_with_class_levels_spans_and_labels_them() {
    let (s, e) = plan_2024();
    let points = vec![
        (date(2024, 1, 15), 0.031),
        (date(2024, 2, 15), 0.042),
        (date(2024, 3, 15), 0.038),
    ];
    let levels = vec![
        Level {
            value: 0.025,
            label: "Ⅱ类".into(),
        },
        Level {
            value: 0.05,
            label: "Ⅲ类".into(),
        },
        Level {
            value: 0.1,
            label: "Ⅳ类".into(),
        },
        // Drawn but not labelled: it would touch Ⅳ类's label.
        Level {
            value: 0.101,
            label: "近Ⅳ类".into(),
        },
    ];
    let svg = series_levels(
        &points,
        Some(0.08),
        &levels,
        s,
        e,
        "mg/L",
        SERIES_WIDTH,
        SERIES_HEIGHT,
    );
    let nodes = parse(&svg);
    let lines = by_class(&nodes, "level");
    assert_eq!(lines.len(), 4);
    let labels = texts(&nodes, "level-label");
    assert_eq!(labels, ["Ⅱ类 0.025", "Ⅲ类 0.05", "Ⅳ类 0.1"], "{svg}");
    // Each line at its value on the axis: the axis spans 0.1 and the lines are ordered.
    let ticks = y_ticks(&nodes);
    assert!(*ticks.last().unwrap() >= 0.101, "{ticks:?}");
    let ys: Vec<f64> = lines.iter().map(|l| l.num("y1")).collect();
    assert!(
        ys.windows(2).all(|w| w[0] > w[1]),
        "higher values above: {ys:?}"
    );
    let (top, bottom) = plot_span(&nodes);
    assert!(
        ys.iter().all(|y| *y >= top - 0.5 && *y <= bottom + 0.5),
        "{ys:?}"
    );
    assert_eq!(by_class(&nodes, "target").len(), 1);
    assert_eq!(by_class(&nodes, "point").len(), 3);
    // Without levels, the chart is series_line's.
    assert_eq!(
        series_levels(
            &points,
            Some(0.08),
            &[],
            s,
            e,
            "mg/L",
            SERIES_WIDTH,
            SERIES_HEIGHT
        ),
        series_line(
            &points,
            Some(0.08),
            false,
            s,
            e,
            "mg/L",
            SERIES_WIDTH,
            SERIES_HEIGHT
        )
    );
}
