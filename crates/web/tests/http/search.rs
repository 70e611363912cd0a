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
