//! The OpenAPI 3.1 document of `/api/...`, generated from the route table, so it lists exactly
//! the routes that exist, with who may call them.

use serde_json::{Value, json};

use crate::routes::{Access, rules};

fn access_text(a: Access) -> String {
    match a {
        Access::Public => "无需登录".to_string(),
        Access::Setup => "仅首次启动".to_string(),
        Access::SignedIn => "任何已登录账号".to_string(),
        Access::Roles(r) => format!(
            "角色：{}",
            r.iter().map(|x| x.label()).collect::<Vec<_>>().join("、")
        ),
    }
}

pub fn document() -> Value {
    let mut paths = serde_json::Map::new();
    for r in rules().into_iter().filter(|r| r.api) {
        let path = paths.entry(r.path.to_string()).or_insert_with(|| json!({}));
        let mut op = json!({
            "summary": r.summary,
            "description": access_text(r.access),
            "responses": {
                "200": {"description": "成功"},
                "401": {"description": "未登录或会话已过期", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                "403": {"description": "无权访问", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                "404": {"description": "不存在（或无权查看）", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
            },
        });
        let params: Vec<Value> = r
            .path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
            .collect();
        if !params.is_empty() {
            op["parameters"] = Value::Array(params);
        }
        if r.access != Access::Public {
            op["security"] = json!([{"session": []}]);
        }
        if r.method == axum::http::Method::POST {
            op["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": {"type": "object"}}}});
            op["parameters"] = {
                let mut p = op["parameters"].as_array().cloned().unwrap_or_default();
                p.push(json!({"name": "X-CSRF-Token", "in": "header", "required": true, "description": "会话的安全令牌（见 /api/me）", "schema": {"type": "string"}}));
                Value::Array(p)
            };
        }
        path[r.method.as_str().to_lowercase()] = op;
    }
    json!({
        "openapi": "3.1.0",
        "info": {"title": "工作专班台账 API", "version": env!("CARGO_PKG_VERSION")},
        "paths": paths,
        "components": {
            "securitySchemes": {"session": {"type": "apiKey", "in": "cookie", "name": crate::auth::COOKIE}},
            "schemas": {"Error": {"type": "object", "properties": {"error": {"type": "string"}, "status": {"type": "integer"}}, "required": ["error", "status"]}},
        },
    })
}
