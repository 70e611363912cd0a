//! The ledger's keyword search (`?q=`): every word must be found in a task's number, title,
//! text, units, status or section; combined with the other filters; kept in the URL.

use crate::TestApp;

fn codes(page: &str) -> Vec<String> {
    let at = page.find("id=\"ledger\"").expect("the ledger table");
    let body = &page[at..at + page[at..].find("</table>").unwrap()];
    body.split("<tr")
        .skip(2)
        .filter_map(|r| {
            let at = r.find("href=\"/tasks/")? + 13;
            Some(r[at..at + r[at..].find('"')?].to_string())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ledger_is_searched_by_words() {
    let app = TestApp::start().await;
    let (c, _) = app.login("office").await;
    let get = |q: &str| {
        let url = app.url(&format!("/ledger?q={}", urlencode(q)));
        let c = c.clone();
        async move { c.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let all = codes(&get("").await);
    assert!(all.len() > 10, "{all:?}");
    // A word of a task's title.
    let found = codes(&get("老旧小区").await);
    assert!(found.contains(&"2.3.2".to_string()), "{found:?}");
    assert!(found.len() < all.len());
    // A unit's name: every task it leads or supports
    let unit = codes(&get("区交通运输局").await);
    let by_unit = codes(
        &c.get(app.url(&format!("/ledger?unit={}", app.unit2_id)))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    // (and any task whose text names it).
    assert!(
        by_unit.iter().all(|c| unit.contains(c)),
        "{unit:?} ⊇ {by_unit:?}"
    );
    // Two words (full-width space between them): both must be found.
    let both = codes(&get("区交通运输局　区住房城乡建设局").await);
    assert!(both.iter().all(|c| unit.contains(c)));
    assert!(both.len() < unit.len(), "{both:?} of {unit:?}");
    // Nothing matches.
    assert!(codes(&get("不存在的词").await).is_empty());
    // The search stays in the form.
    let page = get("老旧小区").await;
    assert!(page.contains("value=\"老旧小区\""));
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The task codes of an exported ledger (`/ledger.xlsx`), in order, each once (the sheet has
/// a row per target).
fn xlsx_codes(bytes: &[u8]) -> Vec<String> {
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let range = book.worksheet_range(zhuanban_office::xlsx::SHEET).unwrap();
    let mut codes: Vec<String> = Vec::new();
    for row in range.rows().skip(zhuanban_office::xlsx::FIRST_ROW as usize) {
        let code = row[1].to_string();
        if codes.last() != Some(&code) {
            codes.push(code);
        }
    }
    codes
}

async fn fetch(c: &reqwest::Client, url: String) -> reqwest::Response {
    let res = c.get(url).send().await.unwrap();
    assert_eq!(res.status(), reqwest::StatusCode::OK, "{}", res.url());
    res
}

/// The `href` of the link with `id` (HTML entities of a query undone).
fn link(page: &str, id: &str) -> String {
    let at = page
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id}"));
    let tag = &page[page[..at].rfind('<').unwrap()..];
    let h = tag.find("href=\"").unwrap() + 6;
    unescape(&tag[h..h + tag[h..].find('"').unwrap()])
}

/// An attribute's text as the browser reads it (the page escapes `&`).
fn unescape(s: &str) -> String {
    s.replace("&#38;", "&").replace("&amp;", "&")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_export_is_exactly_the_filtered_ledger() {
    let app = TestApp::start().await;
    let (c, _) = app.login("office").await;
    let page_of = |q: String| {
        let c = c.clone();
        let url = app.url(&format!("/ledger?{q}"));
        async move { fetch(&c, url).await.text().await.unwrap() }
    };
    let all = page_of(String::new()).await;
    // Words, a section and a unit together.
    let combined = format!("q={}&section=2&unit={}", urlencode("建设"), app.unit2_id);
    let page = page_of(combined.clone()).await;
    let shown = codes(&page);
    assert!(
        !shown.is_empty() && shown.len() < codes(&all).len(),
        "the combined filter keeps some tasks: {shown:?}"
    );
    assert!(
        page.contains(&format!("共 {} 项", shown.len())),
        "the count"
    );
    // The page's own export link carries the same filters …
    let href = link(&page, "export-xlsx");
    assert!(href.starts_with("/ledger.xlsx?"), "{href}");
    for part in [
        "q=%E5%BB%BA%E8%AE%BE",
        "section=2",
        &format!("unit={}", app.unit2_id),
    ] {
        assert!(href.contains(part), "{href} keeps {part}");
    }
    // … and gives exactly the page's tasks, in the page's order.
    let res = fetch(&c, app.url(&href)).await;
    assert_eq!(
        res.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let exported = xlsx_codes(&res.bytes().await.unwrap());
    assert_eq!(exported, shown, "{href}");
    // Unfiltered, the export is the whole ledger (and so differs from the filtered one).
    let whole = xlsx_codes(
        &fetch(&c, app.url("/ledger.xlsx"))
            .await
            .bytes()
            .await
            .unwrap(),
    );
    assert_eq!(whole, codes(&all));
    assert_ne!(whole, exported);

    // A unit's export holds its own task only, whatever the URL asks for.
    let (u, _) = app.login("unit").await;
    let mine = xlsx_codes(
        &fetch(&u, app.url("/ledger.xlsx?section=2"))
            .await
            .bytes()
            .await
            .unwrap(),
    );
    assert_eq!(mine, ["2.3.2"]);
}

/// A plan of `groups` × `each` tasks, every task led by one of two units in turn.
fn big_plan(groups: usize, each: usize) -> String {
    let mut text = String::from("为检验台账分页，特制定2024年工作方案。\n一、工作任务\n");
    for g in 1..=groups {
        text.push_str(&format!(
            "（{}）第{g}组工作\n",
            zhuanban_plan::numeral::to_chinese(g as u64)
        ));
        for i in 1..=each {
            let unit = if i % 2 == 0 {
                "区交通运输局"
            } else {
                "区民政人社局"
            };
            text.push_str(&format!(
                "{i}．推进第{g}组第{i}项工作。到2024年底完成相关建设内容。（{unit}负责）\n"
            ));
        }
    }
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ledger_pages_by_200_keeping_the_filters() {
    use zhuanban_store::Store as _;
    let app = TestApp::start().await;
    let reading = zhuanban_plan::read_text(
        &big_plan(11, 23),
        &zhuanban_plan::ReadOptions::new("分页检验方案.txt"),
    );
    assert_eq!(reading.plan.tasks.len(), 253, "the plan reads as written");
    let plan = app
        .store
        .import_plan(
            &reading.plan,
            &zhuanban_store::ImportOptions::default(),
            &zhuanban_store::Actor::new("测试", "test"),
        )
        .await
        .unwrap()
        .plan_id;
    let (c, _) = app.login("office").await;
    let get = |path: String| {
        let c = c.clone();
        let url = app.url(&path);
        async move { fetch(&c, url).await.text().await.unwrap() }
    };

    // The whole plan: 200 tasks on the first page, the rest on the second.
    let first = get(format!("/ledger?plan={plan}")).await;
    assert!(first.contains("共 253 项"), "the count");
    assert!(first.contains("第 1 / 2 页"));
    let one = codes(&first);
    assert_eq!(one.len(), 200);
    let second = get(format!("/ledger?plan={plan}&page=2")).await;
    let two = codes(&second);
    assert_eq!(two.len(), 53);
    assert!(
        one.iter().all(|c| !two.contains(c)),
        "no task on both pages"
    );
    // A page beyond the last shows the last.
    assert_eq!(
        codes(&get(format!("/ledger?plan={plan}&page=9")).await),
        two
    );

    // Filtered by words that every task has (over 200 of them): the link to page 2 keeps the
    // plan and the words, and the pages together are the export.
    let q = format!("/ledger?plan={plan}&q={}", urlencode("建设 工作"));
    let first = get(q.clone()).await;
    assert!(first.contains("共 253 项"));
    let pager = &first[first.find("id=\"pager\"").expect("page links")..];
    let at = pager.find("href=\"").unwrap() + 6;
    let next = unescape(&pager[at..at + pager[at..].find('"').unwrap()]);
    assert!(
        next.contains(&format!("plan={plan}")) && next.contains("q=") && next.contains("page=2"),
        "{next}"
    );
    let mut paged = codes(&first);
    paged.extend(codes(&get(next).await));
    assert_eq!(paged.len(), 253);
    let export = link(&first, "export-xlsx");
    let exported = xlsx_codes(&fetch(&c, app.url(&export)).await.bytes().await.unwrap());
    assert_eq!(exported, paged, "{export}");

    // Filtered by a unit as well: under 200, one page, no page links.
    let unit = app.unit2_id;
    let page = get(format!("{q}&unit={unit}")).await;
    let led = codes(&page);
    assert_eq!(led.len(), 11 * 11, "区交通运输局 leads every second task");
    assert!(page.contains("共 121 项（全部 253 项）"));
    assert!(!page.contains("id=\"pager\""));
    let exported = xlsx_codes(
        &fetch(&c, app.url(&link(&page, "export-xlsx")))
            .await
            .bytes()
            .await
            .unwrap(),
    );
    assert_eq!(exported, led);
}
