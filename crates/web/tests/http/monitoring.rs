//! 监测数据 on the desk: a target linked to a site on the page (as `zhuanban series link`
//! does, through the same use case) is judged from the site's data from then on.

use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::Value;

use crate::TestApp;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_office_links_a_target_to_a_site_on_the_desk() {
    let app = TestApp::start().await;
    let (c, csrf) = app.login("office").await;
    let mut csv = String::from("监测时间,总磷\n");
    for m in 1..=9 {
        csv.push_str(&format!("2024-{m:02}-15,0.070\n"));
    }
    let res = c
        .post(app.url(&format!("/series?_csrf={csrf}")))
        .multipart(
            Form::new()
                .text("site", "大通湖")
                .text("kind", "water")
                .text("lake", "1")
                .part("file", Part::bytes(csv.into_bytes()).file_name("lake.csv")),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = c
        .get(app.url("/series"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"link\""), "the link form");
    assert!(
        page.contains("value=\"2.2.2:1\""),
        "the lake target is offered"
    );
    assert!(!page.contains("zhuanban series link"), "no command to run");

    let link = |item: &'static str| {
        c.post(app.url("/series/link"))
            .form(&[
                ("_csrf", csrf.as_str()),
                ("target", "2.2.2:1"),
                ("site", "大通湖"),
                ("item", item),
            ])
            .send()
    };
    let res = link("总铁钴").await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("无法识别的监测项目“总铁钴”")
    );
    let res = link("总磷").await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let page = res.text().await.unwrap();
    assert!(page.contains("今后按点位“大通湖”的监测数据判断"), "{page}");
    assert!(page.contains("任务 2.2.2</a> 目标 1：大通湖"));

    // The ledger judges the target from the data now.
    let tasks: Value = c
        .get(app.url("/api/tasks"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let t = tasks
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["code"] == "2.2.2")
        .unwrap();
    let reason = t["targets"][0]["reason"].as_str().unwrap();
    assert!(
        reason.contains("监测数据") && reason.contains("0.07"),
        "{reason}"
    );
    assert_eq!(t["targets"][0]["status"], "met", "{t}");

    // The site's own page: its values, the linked target and the class lines around them.
    assert!(
        page.contains("/series/site?name=%E5%A4%A7%E9%80%9A%E6%B9%96"),
        "{page}"
    );
    let res = c
        .get(app.url("/series/site?name=大通湖"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let site = res.text().await.unwrap();
    for needle in [
        "总磷（mg/L）",
        "共 9 条观测，2024-01-15 至 2024-09-15",
        "任务 2.2.2</a> 目标1，均值",
        // The lake column of GB 3838: 0.070 is class IV, between the III and IV lines.
        ">III类 0.05</text>",
        ">IV类 0.1</text>",
        "<td data-label=\"单项类别\">IV类</td>",
        "class=\"target\"",
    ] {
        assert!(site.contains(needle), "{needle}: {site}");
    }
    assert!(
        !site.contains(">V类 0.2</text>"),
        "only the lines around the values"
    );
    assert_eq!(
        site.matches("class=\"point\"").count(),
        2 * 9,
        "nine points on each of the two charts"
    );
    let res = c
        .get(app.url("/series/site?name=没有的点位"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}
