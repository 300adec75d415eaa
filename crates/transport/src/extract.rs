//! Request extractors whose every failure is an [`ApiError`] in the one JSON shape:
//! 415 for a body not declared JSON, 413 past the body limit, 400 for malformed JSON (with
//! line and column), 422 for a wrong type, a missing field, an unknown enum value or (in
//! strict mode) an unknown field, always with the field path.

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use futures_util::StreamExt;
use futures_util::future::LocalBoxFuture;
use seo_auth::Principal;
use serde::de::DeserializeOwned;
use serde_json::json;
use uuid::Uuid;

use crate::{ApiError, AppState};

fn state(req: &HttpRequest) -> Result<&AppState, ApiError> {
    req.app_data::<web::Data<AppState>>()
        .map(|d| d.get_ref())
        .ok_or_else(|| ApiError::internal("application state missing"))
}

fn is_json_content_type(req: &HttpRequest) -> bool {
    let Some(ct) = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = ct
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

async fn read_body(
    req: &HttpRequest,
    payload: &mut Payload,
    limit: usize,
) -> Result<web::BytesMut, ApiError> {
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the request body exceeds {limit} bytes"),
        )
    };
    if let Some(len) = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        && len > limit
    {
        return Err(too_large());
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk
            .map_err(|e| ApiError::bad_request(format!("could not read the request body: {e}")))?;
        if body.len() + chunk.len() > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Deepest nesting of arrays and objects accepted in a body.
pub const MAX_DEPTH: usize = 32;

/// The deepest array/object nesting in a JSON text (brackets inside strings ignored).
pub fn nesting_depth(bytes: &[u8]) -> usize {
    let (mut depth, mut max, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for &b in bytes {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// Parses JSON into `T`, reporting the field path of a type error, and (in strict mode)
/// refusing fields `T` does not know.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8], strict: bool) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let mut unknown: Vec<String> = Vec::new();
    let mut track = serde_path_to_error::Track::new();
    let result: Result<T, serde_json::Error> = {
        let tracked = serde_path_to_error::Deserializer::new(&mut de, &mut track);
        serde_ignored::deserialize(tracked, |path| unknown.push(path.to_string()))
    };
    let value = match result.and_then(|v| de.end().map(|()| v)) {
        Ok(v) => v,
        // serde_json reports some type errors (a number where an enum goes) as syntax
        // errors; a body that parses as JSON is a data problem, answered 422.
        // (A data error found before the end of a body that is not JSON at all, e.g. an
        // unknown field of a strict type in a truncated body, is still malformed JSON: 400.)
        Err(e) if serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_ok() => {
            let path = track.path().to_string();
            let root = path == "." || path.is_empty();
            // serde reports a missing field at its parent: name the field itself.
            let text = e.to_string();
            let missing = text
                .strip_prefix("missing field `")
                .and_then(|r| r.split('`').next());
            let field = match (missing, root) {
                (Some(m), true) => m.to_string(),
                (Some(m), false) => format!("{path}.{m}"),
                (None, true) => "body".to_string(),
                (None, false) => path,
            };
            return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_error", "one or more fields are invalid")
                .with_details(json!({"fields": [{"field": field, "code": "invalid_value", "message": e.to_string()}]})));
        }
        Err(e) => {
            return Err(ApiError::bad_request(format!(
                "malformed JSON at line {} column {}: {}",
                e.line(),
                e.column(),
                e.to_string().split(" at line").next().unwrap_or_default()
            ))
            .with_details(json!({"line": e.line(), "column": e.column()})));
        }
    };
    if strict && !unknown.is_empty() {
        let fields: Vec<_> = unknown
            .iter()
            .map(|f| json!({"field": f, "code": "unknown_field", "message": "is not a field of this resource"}))
            .collect();
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_error",
            "unknown fields are not accepted",
        )
        .with_details(json!({ "fields": fields })));
    }
    Ok(value)
}

async fn extract_json<T: DeserializeOwned>(
    req: HttpRequest,
    mut payload: Payload,
    optional: bool,
) -> Result<Option<T>, ApiError> {
    let st = state(&req)?;
    let (limit, strict, check_type) = (
        st.http.body_limit,
        st.http.strict_mode,
        st.http.validation_enabled,
    );
    let declared = req.headers().contains_key(CONTENT_TYPE);
    let body = read_body(&req, &mut payload, limit).await?;
    if body.iter().all(u8::is_ascii_whitespace) {
        if optional {
            return Ok(None);
        }
        return Err(ApiError::bad_request("a JSON request body is required"));
    }
    if check_type && (!declared || !is_json_content_type(&req)) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "the request body must be sent as Content-Type: application/json",
        ));
    }
    if let Err(e) = std::str::from_utf8(&body) {
        // JSON is UTF-8; serde would skip bad bytes inside fields it ignores.
        return Err(ApiError::bad_request(format!(
            "the request body is not valid UTF-8 (byte {})",
            e.valid_up_to()
        )));
    }
    if nesting_depth(&body) > MAX_DEPTH {
        return Err(ApiError::bad_request(format!(
            "the JSON body nests deeper than {MAX_DEPTH} levels"
        )));
    }
    // Every request body of this API is an object; serde would otherwise read a struct
    // positionally from an array (`[null, null]`) and accept it.
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    if first != Some(&b'{') && serde_json::from_slice::<serde::de::IgnoredAny>(&body).is_ok() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_error",
            "one or more fields are invalid",
        )
        .with_details(json!({"fields": [{"field": "body", "code": "invalid_type", "message": "must be a JSON object"}]})));
    }
    parse_json(&body, strict).map(Some)
}

/// A required JSON body.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let (req, payload) = (req.clone(), payload.take());
        Box::pin(async move {
            extract_json(req, payload, false)
                .await?
                .map(Json)
                .ok_or_else(|| ApiError::bad_request("a JSON request body is required"))
        })
    }
}

/// A JSON body that may be absent (empty).
#[derive(Debug)]
pub struct OptionalJson<T>(pub Option<T>);

impl<T: DeserializeOwned + 'static> FromRequest for OptionalJson<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let (req, payload) = (req.clone(), payload.take());
        Box::pin(async move { extract_json(req, payload, true).await.map(OptionalJson) })
    }
}

/// Query parameters; a value of the wrong type is a 422 naming the parameter.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T: DeserializeOwned> FromRequest for Query<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(
            req.query_string().as_bytes(),
        ));
        let result = serde_path_to_error::deserialize::<_, T>(de).map(Query).map_err(|e| {
            let field = e.path().to_string();
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_error", "invalid query parameter")
                .with_details(json!({"fields": [{"field": field, "code": "invalid_value", "message": e.inner().to_string()}]}))
        });
        std::future::ready(result)
    }
}

/// Parses a path id; a malformed one is a 422 naming the parameter.
pub fn parse_uuid(raw: &str, field: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_error", "one or more fields are invalid")
            .with_details(json!({"fields": [{"field": field, "code": "invalid_uuid", "message": "must be a UUID"}]}))
    })
}

/// The authenticated caller, put in place by the route's access guard.
#[derive(Debug, Clone)]
pub struct Caller(pub Principal);

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(
            req.extensions()
                .get::<Principal>()
                .cloned()
                .map(Caller)
                .ok_or_else(|| {
                    ApiError::internal(
                        "a handler needing a caller is mounted without an access guard",
                    )
                }),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_ignores_brackets_in_strings() {
        assert_eq!(nesting_depth(br#"{"a": [1, {"b": 2}]}"#), 3);
        assert_eq!(nesting_depth(br#"{"a": "[[[[\"{{{"}"#), 1);
        assert_eq!(nesting_depth(b"1"), 0);
        assert_eq!(nesting_depth("[".repeat(10_000).as_bytes()), 10_000);
    }
}
