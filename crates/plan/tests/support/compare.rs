//! Compares a reading with an expected reading on the scored fields of the plan schema:
//! task ids (in order), title, lead and support units, and each target's value, unit, cmp,
//! hardness and deadline. Returns one line per difference.

use serde_json::Value;

fn strs(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn target_key(t: &Value) -> String {
    let value = t["value"]
        .as_f64()
        .map(|v| format!("{v}"))
        .unwrap_or_else(|| "?".into());
    format!(
        "{} {} {} {} {}",
        t["cmp"].as_str().unwrap_or("?"),
        value,
        t["unit"].as_str().unwrap_or("?"),
        t["hardness"].as_str().unwrap_or("?"),
        t["deadline"].as_str().unwrap_or("null"),
    )
}

pub fn reading(expected: &Value, got: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let empty = vec![];
    let et = expected["tasks"].as_array().unwrap_or(&empty);
    let gt = got["tasks"].as_array().unwrap_or(&empty);
    let eids: Vec<&str> = et.iter().filter_map(|t| t["id"].as_str()).collect();
    let gids: Vec<&str> = gt.iter().filter_map(|t| t["id"].as_str()).collect();
    if eids != gids {
        out.push(format!(
            "task ids: expected {eids:?}\n            got      {gids:?}"
        ));
    }
    for e in et {
        let id = e["id"].as_str().unwrap_or("?");
        let Some(g) = gt.iter().find(|g| g["id"].as_str() == Some(id)) else {
            continue;
        };
        if let (Some(a), Some(b)) = (e["title"].as_str(), g["title"].as_str())
            && a != b
        {
            out.push(format!("{id} title: expected {a:?}, got {b:?}"));
        }
        for field in ["lead", "support"] {
            let (a, b) = (strs(&e[field]), strs(&g[field]));
            if a != b {
                out.push(format!("{id} {field}: expected {a:?}, got {b:?}"));
            }
        }
        let ek: Vec<String> = e["targets"]
            .as_array()
            .unwrap_or(&empty)
            .iter()
            .map(target_key)
            .collect();
        let gk: Vec<String> = g["targets"]
            .as_array()
            .unwrap_or(&empty)
            .iter()
            .map(target_key)
            .collect();
        if ek != gk {
            let etexts: Vec<&str> = e["targets"]
                .as_array()
                .unwrap_or(&empty)
                .iter()
                .filter_map(|t| t["text"].as_str())
                .collect();
            let gtexts: Vec<&str> = g["targets"]
                .as_array()
                .unwrap_or(&empty)
                .iter()
                .filter_map(|t| t["text"].as_str())
                .collect();
            out.push(format!(
                "{id} targets:\n      expected {ek:?}\n      got      {gk:?}\n      expected texts {etexts:?}\n      got texts      {gtexts:?}"
            ));
        }
    }
    if let (Some(e), Some(g)) = (expected.get("task_force"), got.get("task_force"))
        && !e.is_null()
    {
        for f in ["name", "convener", "deputy_convener", "office"] {
            if e[f] != g[f] {
                out.push(format!("task_force.{f}: expected {}, got {}", e[f], g[f]));
            }
        }
        if strs(&e["members"]) != strs(&g["members"]) {
            out.push(format!(
                "task_force.members: expected {:?}, got {:?}",
                strs(&e["members"]),
                strs(&g["members"])
            ));
        }
    } else if expected.get("task_force").is_some_and(|e| !e.is_null()) {
        out.push("task_force: expected one, got none".into());
    }
    out
}
