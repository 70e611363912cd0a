//! Environmental targets judged from monitoring data: the seed's lake target "总磷年度均值控制在
//! 0.08mg/L以内，其他指标达到III类以上" from a year of monthly samples (made up for the test).

use crate::*;

fn ok(o: Output) -> String {
    assert!(
        o.status.success(),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Twelve monthly samples of TP (mean `tp_mean`), ammonia and permanganate.
fn year(tp_mean: f64, nh3: f64) -> String {
    let mut csv = String::from("监测时间,总磷,氨氮,高锰酸盐指数\n");
    // Pairs around the mean, so that the mean is exact.
    for m in 1..=12 {
        let d = if m % 2 == 0 { 0.004 } else { -0.004 };
        csv.push_str(&format!("2024-{m:02}-15,{:.3},{nh3},4.1\n", tp_mean + d));
    }
    csv
}

fn target_status(db: &str, task: &str, n: usize) -> (String, String) {
    let json: serde_json::Value = serde_json::from_str(&ok(run(&[
        "status",
        "--db",
        db,
        "--as-of",
        "2024-12-31",
        "--format",
        "json",
    ])))
    .unwrap();
    let t = json["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["code"] == task)
        .unwrap()
        .clone();
    let g = &t["targets"][n];
    (
        g["status"].as_str().unwrap().to_string(),
        g["reason"].as_str().unwrap().to_string(),
    )
}

fn lake(tp_mean: f64, nh3: f64) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db").to_string_lossy().into_owned();
    ok(run(&["import", &seed().to_string_lossy(), "--db", &db]));
    let f = dir.path().join("lake.csv");
    std::fs::write(&f, year(tp_mean, nh3)).unwrap();
    let out = ok(run(&[
        "series",
        "import",
        f.to_str().unwrap(),
        "--db",
        &db,
        "--site",
        "大通湖",
        "--kind",
        "water",
        "--lake",
    ]));
    assert!(out.contains("36 条观测"), "{out}");
    ok(run(&[
        "series",
        "link",
        "--db",
        &db,
        "--task",
        "2.2.2",
        "--target",
        "1",
        "--site",
        "大通湖",
        "--item",
        "总磷",
    ]));
    ok(run(&[
        "series",
        "link",
        "--db",
        &db,
        "--task",
        "2.2.2",
        "--target",
        "2",
        "--site",
        "大通湖",
        "--exclude",
        "总磷",
    ]));
    (dir, db)
}

#[test]
fn a_year_with_tp_mean_0_079_meets_the_target_and_0_081_does_not() {
    let (_d, db) = lake(0.079, 0.5);
    let (status, reason) = target_status(&db, "2.2.2", 0);
    assert_eq!(status, "met", "{reason}");
    assert!(
        reason.contains("监测数据") && reason.contains("0.079"),
        "{reason}"
    );
    let (_d, db) = lake(0.081, 0.5);
    let (status, reason) = target_status(&db, "2.2.2", 0);
    assert_eq!(
        status, "missed",
        "a firm target missed at the year's end: {reason}"
    );
    assert!(reason.contains("0.081"), "{reason}");
}

#[test]
fn one_item_in_class_iv_is_not_class_iii() {
    let (_d, db) = lake(0.05, 0.5);
    let (status, reason) = target_status(&db, "2.2.2", 1);
    assert_eq!(status, "met", "{reason}");
    // Ammonia at 1.2 mg/L is class IV (III ≤ 1.0, IV ≤ 1.5).
    let (_d, db) = lake(0.05, 1.2);
    let (status, reason) = target_status(&db, "2.2.2", 1);
    assert_eq!(status, "missed", "{reason}");
    assert!(reason.contains("氨氮"), "names the item: {reason}");
    // The task follows its worst target.
    let json: serde_json::Value = serde_json::from_str(&ok(run(&[
        "status",
        "--db",
        &db,
        "--as-of",
        "2024-12-31",
        "--format",
        "json",
    ])))
    .unwrap();
    let t = json["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["code"] == "2.2.2")
        .unwrap();
    assert_eq!(t["colour"], "red");
}

#[test]
fn bad_csv_files_are_named_by_row_and_column_and_import_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("b.db").to_string_lossy().into_owned();
    ok(run(&["import", &seed().to_string_lossy(), "--db", &db]));
    let cases = [
        ("missing.csv", "总磷,氨氮\n0.05,0.5\n", "“监测时间”"),
        (
            "nan.csv",
            "监测时间,总磷\n2024-01-15,0.05\n2024-02-15,零点零五\n",
            "第3行“总磷”列：不是数值",
        ),
        (
            "item.csv",
            "监测时间,总磷,叶绿素乙\n2024-01-15,0.05,1\n",
            "未知的监测项目：“叶绿素乙”",
        ),
        (
            "date.csv",
            "监测时间,总磷\n2024-13-45,0.05\n",
            "第2行“监测时间”列：无法识别的时间",
        ),
    ];
    for (name, text, needle) in cases {
        let f = dir.path().join(name);
        std::fs::write(&f, text).unwrap();
        let o = run(&[
            "series",
            "import",
            f.to_str().unwrap(),
            "--db",
            &db,
            "--site",
            "大通湖",
            "--kind",
            "water",
            "--lake",
        ]);
        assert_eq!(o.status.code(), Some(2), "{name}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains(needle) || (name == "missing.csv" && err.contains("缺少")),
            "{name}: expected “{needle}” in {err}"
        );
        assert!(err.contains("未导入任何数据"), "{err}");
    }
    let o = run(&[
        "series",
        "link",
        "--db",
        &db,
        "--task",
        "2.2.2",
        "--target",
        "1",
        "--site",
        "大通湖",
        "--item",
        "总磷",
    ]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "no data was imported for the site"
    );
}
