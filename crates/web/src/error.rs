//! One error type for every handler: a Chinese message page for browsers, a JSON error for the
//! API. The chain is logged; the user sees only the message.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use zhuanban_store::StoreError;

#[derive(Debug)]
pub struct AppError {
    pub status: StatusCode,
    pub message: String,
    /// Render as JSON (API routes) instead of a page.
    pub json: bool,
}

impl AppError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        AppError {
            status,
            message: message.into(),
            json: false,
        }
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "页面或记录不存在")
    }

    pub fn forbidden() -> Self {
        Self::new(StatusCode::FORBIDDEN, "您没有访问此页面的权限")
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn internal(e: impl std::fmt::Display) -> Self {
        tracing::error!("internal error: {e}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "服务器内部错误，请稍后重试或联系系统管理员",
        )
    }

    pub fn json(mut self) -> Self {
        self.json = true;
        self
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match &e {
            // Not found and "not yours" look the same from outside.
            StoreError::NotFound { .. } => AppError::not_found(),
            StoreError::Conflict { .. } => AppError::new(StatusCode::CONFLICT, e.to_string()),
            StoreError::Invalid { .. } => {
                AppError::new(StatusCode::UNPROCESSABLE_ENTITY, e.for_people())
            }
            StoreError::Db(_)
            | StoreError::Sqlite(_)
            | StoreError::Migrate(_)
            | StoreError::Json(_) => AppError::internal(&e),
        }
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::internal(e)
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if self.json {
            let body = serde_json::json!({ "error": self.message, "status": self.status.as_u16() });
            return (self.status, axum::Json(body)).into_response();
        }
        let page = crate::pages::error_page(self.status, &self.message);
        (self.status, Html(page)).into_response()
    }
}

pub type AppResult<T> = Result<T, AppError>;
