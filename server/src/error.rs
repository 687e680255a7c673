//! Error answers: `{"error": {"code", "message", "pointer" or "span"}}`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

/// An error answer: a status and the JSON error object.
#[derive(Debug)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    detail: Box<Detail>,
}

#[derive(Debug)]
struct Detail {
    /// A stable code: a siftql error code (`E0104`) for filter errors, else
    /// a word (`malformed_json`, `invalid_page`, …).
    code: String,
    /// What is wrong.
    message: String,
    /// Where, as a JSON pointer into the body.
    pointer: Option<String>,
    /// Where, as byte offsets into the DSL `filter`.
    span: Option<(usize, usize)>,
    /// How to fix it.
    help: Option<String>,
    /// What the server's log calls the request (failures of the server).
    request_id: Option<String>,
    /// Why the server failed: written to the log when the answer is sent,
    /// never to the client.
    cause: Option<String>,
}

/// The next request id: a random start for each process, then counted.
fn next_request_id() -> String {
    use std::hash::{BuildHasher, RandomState};
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::OnceLock;
    static START: OnceLock<u64> = OnceLock::new();
    static COUNT: AtomicU64 = AtomicU64::new(0);
    let start = *START.get_or_init(|| RandomState::new().hash_one(0u8) >> 16);
    let n = COUNT.fetch_add(1, Ordering::Relaxed);
    format!("{:012x}", start.wrapping_add(n) & 0xffff_ffff_ffff)
}

impl ApiError {
    /// An error with a status and a code.
    pub fn new(status: StatusCode, code: &str, message: &str) -> ApiError {
        ApiError {
            status,
            detail: Box::new(Detail {
                code: code.to_owned(),
                message: message.to_owned(),
                pointer: None,
                span: None,
                help: None,
                request_id: None,
                cause: None,
            }),
        }
    }

    /// 422: the request is JSON but asks for something invalid.
    pub fn unprocessable(code: &str, message: &str) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }

    /// 500: the server failed (its database, mostly). When the answer is
    /// sent, the cause is written to standard error under a new request
    /// id; the client gets only the id, in the body and in `X-Request-Id`.
    pub fn internal(cause: &str) -> ApiError {
        ApiError::logged(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "the server failed to answer",
            cause,
        )
    }

    /// An error of the server's whose `cause` goes to the log under a new
    /// request id, and `message` (with the id) to the client.
    pub fn logged(status: StatusCode, code: &str, message: &str, cause: &str) -> ApiError {
        let id = next_request_id();
        let mut a = ApiError::new(
            status,
            code,
            &format!("{message}; the server's log says why under request id {id}"),
        );
        a.detail.request_id = Some(id);
        a.detail.cause = Some(cause.to_owned());
        a
    }

    /// The request id of a server failure.
    pub fn request_id(&self) -> Option<&str> {
        self.detail.request_id.as_deref()
    }

    /// 400: the body is not JSON.
    pub fn malformed(message: &str) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "malformed_json", message)
    }

    /// 422 from a siftql error (a bad filter, field or sort), keeping its
    /// code and help.
    pub fn filter(e: &siftql::Error) -> ApiError {
        let mut a = ApiError::unprocessable(e.code().as_str(), e.message());
        a.detail.help = e.help().map(str::to_owned);
        a
    }

    /// Sets the JSON pointer.
    pub fn pointer(mut self, pointer: &str) -> ApiError {
        self.detail.pointer = Some(pointer.to_owned());
        self
    }

    /// Sets the span from a siftql error's span, if it has one.
    pub fn span(mut self, e: &siftql::Error) -> ApiError {
        self.detail.span = e.span().map(|s| (s.range().start, s.range().end));
        self
    }

    /// The JSON body.
    pub fn body(&self) -> Value {
        let d = &self.detail;
        let mut e = Map::new();
        e.insert("code".into(), d.code.clone().into());
        e.insert("message".into(), d.message.clone().into());
        if let Some(p) = &d.pointer {
            e.insert("pointer".into(), p.clone().into());
        }
        if let Some((start, end)) = d.span {
            e.insert("span".into(), json!([start, end]));
        }
        if let Some(h) = &d.help {
            e.insert("help".into(), h.clone().into());
        }
        if let Some(id) = &d.request_id {
            e.insert("request_id".into(), id.clone().into());
        }
        json!({ "error": e })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let (Some(id), Some(cause)) = (&self.detail.request_id, &self.detail.cause) {
            eprintln!("siftql-server: request {id}: {cause}");
        }
        let mut r = (
            self.status,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            self.body().to_string(),
        )
            .into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            r.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        if let Some(id) = self
            .request_id()
            .and_then(|id| HeaderValue::from_str(id).ok())
        {
            r.headers_mut().insert("x-request-id", id);
        }
        if self.status == StatusCode::METHOD_NOT_ALLOWED {
            r.headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("POST"));
        }
        r
    }
}
